"""Finding 20: defaults that let legitimate bulk work through.

Authenticated work (uploads, transform calls) is limited per user, generously; only anonymous
endpoints (sign-up, login, renders) keep per-address buckets; the CLI waits out ``Retry-After``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from imgorigin.client.api import Api, retry_after
from imgorigin.client.profiles import ClientError
from imgorigin.config import Settings
from tests.helpers import AppClient, make_settings, register
from tests.integration.servers import Origin

DEFAULTS = {name: getattr(Settings, name) for name in ("upload_rate", "transform_rate", "register_rate")}


def _tiny(n: int) -> bytes:
    """A distinct small PNG (the CLI skips files whose content is already uploaded)."""
    image = pyvips.Image.black(16, 16).new_from_image([n % 256, n // 256 % 256, 7]).cast("uchar")
    return image.write_to_buffer(".png")


def test_a_migration_behind_one_address_is_not_refused(tmp_path: Path) -> None:
    """10 users behind one office address upload 10 images each, at once, with the default limits."""
    with AppClient(make_settings(tmp_path, **DEFAULTS)) as client:
        users = [register(client, f"staff{n}") for n in range(10)]
        statuses = [
            client.post("/images", headers=user.headers,
                        files={"file": (f"{n}.png", io.BytesIO(_tiny(n)), "image/png")}).status_code
            for n in range(100) for user in users[n % 10:n % 10 + 1]
        ]
    assert statuses == [201] * 100


def test_one_user_imports_hundreds_at_once(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, **DEFAULTS)) as client:
        user = register(client, "importer")
        statuses = [client.post("/images", headers=user.headers,
                                files={"file": (f"{n}.png", io.BytesIO(_tiny(n)), "image/png")}).status_code
                    for n in range(150)]
        image = client.get("/images", headers=user.headers).json()["items"][0]["id"]
        body = {"transformations": {"resize": {"width": 8}}}
        transforms = [client.post(f"/images/{image}/transform", json=body, headers=user.headers).status_code
                      for _ in range(120)]
    assert statuses == [201] * 150
    assert transforms == [200] * 120


def test_anonymous_endpoints_keep_their_per_address_limits(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, **DEFAULTS)) as client:
        statuses = [client.post("/register", json={"username": f"bot{n}", "password": "correct horse battery"})
                    .status_code for n in range(22)]
    assert statuses == [201] * 20 + [429] * 2


@pytest.mark.parametrize(("status", "header", "expected"), [
    (429, "3", 3.0), (503, "1", 1.0), (429, "86400", 60.0), (429, "", None), (429, "soon", None),
    (500, "3", None), (429, "²", None), (503, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
])
def test_retry_after_is_read_and_bounded(status: int, header: str, expected: float | None) -> None:
    response = httpx.Response(status, headers={"Retry-After": header.encode("latin-1")} if header else {})
    assert retry_after(response) == expected


def _api(handler: httpx.MockTransport) -> Api:
    api = Api("http://origin.test", "token")
    api.http = httpx.Client(base_url="http://origin.test", transport=handler)
    return api


def test_the_client_waits_out_retry_after_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    bodies: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        if len(bodies) < 3:
            return httpx.Response(429, headers={"Retry-After": "2"},
                                  json={"error": {"code": "rate_limited", "message": "Too many uploads"}})
        return httpx.Response(201, json={"id": "abc"})

    api = _api(httpx.MockTransport(handle))
    handle_file = io.BytesIO(b"x" * 1000)
    answer = api.call("POST", "/images", rewind=lambda: handle_file.seek(0),
                      files={"file": ("a.png", handle_file, "image/png")})
    assert answer == {"id": "abc"}
    assert waits == [2.0, 2.0]
    assert len(bodies) == 3 and all(b"x" * 1000 in body for body in bodies)  # the file is sent whole each time


def test_the_client_gives_up_after_bounded_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "5"},
                              json={"error": {"code": "overloaded", "message": "Busy"}})

    with pytest.raises(ClientError, match=r"Busy \(503 overloaded\)"):
        _api(httpx.MockTransport(handle)).call("GET", "/images")
    assert waits == [5.0] * 5


@pytest.fixture
def slow_origin(tmp_path: Path) -> Iterator[Origin]:
    origin = Origin(tmp_path, {"IMGORIGIN_UPLOAD_RATE": "60"})  # a token a second once the burst is spent
    origin.start()
    try:
        yield origin
    finally:
        origin.stop()


def test_cli_bulk_upload_rides_out_the_rate_limit(slow_origin: Origin, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for n in range(64):
        (photos / f"{n:03d}.png").write_bytes(_tiny(n))
    env = {**os.environ, "IMGORIGIN_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("IMGORIGIN_SERVER", None)

    def imgorigin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "imgorigin", *args], env=env, capture_output=True,
                              text=True, timeout=180)

    assert imgorigin("login", "--server", slow_origin.base, "--register", "-u", "bulk",
                     "--password", "correct horse battery").returncode == 0
    done = imgorigin("upload", str(photos), "--jobs", "4")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "64 uploaded, 0 skipped (already uploaded), 0 failed"
