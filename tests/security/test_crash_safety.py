"""A real server process: SIGKILL in the middle of an upload, restart, doctor; and 50 parallel uploads."""

from __future__ import annotations

import http.client
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import pyvips

from imgorigin.client.urls import signed_path
from imgorigin.environment import load_settings
from imgorigin.services import doctor
from tests.helpers import TEST_JWT_SECRET, TEST_URL_SECRET

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "IMGORIGIN_DATA_DIR": str(data_dir),
        "IMGORIGIN_URL_SECRET": TEST_URL_SECRET,
        "IMGORIGIN_JWT_SECRET": TEST_JWT_SECRET,
        "IMGORIGIN_BCRYPT_ROUNDS": "4",
        "IMGORIGIN_LOGIN_RATE": "0",
        "IMGORIGIN_RENDER_RATE": "0",
        "IMGORIGIN_TRANSFORM_RATE": "0",
        "IMGORIGIN_LOG_LEVEL": "warning",
    }


@contextmanager
def server(data_dir: Path, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``imgorigin serve --workers 1`` on a loopback port; always stopped by its PID."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "imgorigin", "serve", "--workers", "1", "--host", "127.0.0.1", "--port", str(port)],
        env={**_env(data_dir), **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _register(base: str, name: str) -> dict[str, str]:
    response = httpx.post(base + "/register", json={"username": name, "password": PASSWORD}, timeout=30)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _small_png(value: int) -> bytes:
    image = pyvips.Image.black(24, 24).new_from_image([value % 256, value // 256, 99]).cast("uchar")
    return bytes(image.copy(interpretation="srgb").write_to_buffer(".png"))


def _upload(base: str, headers: dict[str, str], data: bytes, name: str) -> httpx.Response:
    return httpx.post(base + "/images", headers=headers, files={"file": (name, data, "image/png")}, timeout=60)


def _big_jpeg() -> bytes:
    noise = pyvips.Image.gaussnoise(2500, 2000, sigma=60).cast("uchar")
    return bytes(noise.bandjoin([noise, noise]).copy(interpretation="srgb").write_to_buffer(".jpg", Q=98))


def _slow_chunked_upload(base: str, headers: dict[str, str], data: bytes, process: subprocess.Popen[bytes],
                         kill_at: float) -> int:
    """Send a multipart upload in chunks (no Content-Length); SIGKILL the server once ``kill_at`` of the
    body is sent (1.0: just after the whole body, while the server checks and stores it); bytes sent."""
    boundary = "crash-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/images")
    connection.putheader("Authorization", headers["Authorization"])
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    sent, step = 0, 64 * 1024
    try:
        while sent < len(body):
            chunk = body[sent:sent + step]
            connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
            if sent >= len(body) * kill_at:
                break
            time.sleep(0.005)
        if sent == len(body):
            connection.send(b"0\r\n\r\n")
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        connection.close()
    return sent


def _doctor(data_dir: Path, fix: bool) -> tuple[int, list[str]]:
    settings = load_settings(env=_env(data_dir))
    lines: list[str] = []
    return doctor.run(settings, fix=fix, grace=0, out=lines.append), lines


@pytest.mark.parametrize("kill_at", [0.5, 1.0], ids=["receiving", "storing"])
def test_sigkill_mid_upload_leaves_a_consistent_state(tmp_path: Path, kill_at: float) -> None:
    data_dir = tmp_path / "data"
    big = _big_jpeg()
    assert len(big) > 4 * 1024 * 1024
    with server(data_dir) as (process, base):
        headers = _register(base, "survivor")
        before = [_upload(base, headers, _small_png(i), f"{i}.png").json()["id"] for i in range(3)]
        sent = _slow_chunked_upload(base, headers, big, process, kill_at)
        assert process.returncode == -signal.SIGKILL
        assert sent > 0

    status, lines = _doctor(data_dir, fix=False)
    # at most a spooled upload or an original not yet committed is left over; never a row without its file
    problems = [line for line in lines if line.startswith("problem")]
    assert all("stale spool file" in line or "file without row" in line for line in problems), lines
    status, lines = _doctor(data_dir, fix=True)
    assert status == 0, lines
    assert _doctor(data_dir, fix=False) == (0, ["0 problem(s) found, 0 fixed, 0 remaining"])

    with server(data_dir) as (_, base):
        login = httpx.post(base + "/login", json={"username": "survivor", "password": PASSWORD}, timeout=30)
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        listing = httpx.get(base + "/images", headers=headers, timeout=30).json()
        listed = {item["id"] for item in listing["items"]}
        # the killed upload is either wholly there (committed before the kill) or wholly absent
        assert set(before) <= listed and len(listed) <= len(before) + 1
        for image_id in listed:
            rendered = httpx.get(base + signed_path(TEST_URL_SECRET, image_id, "w_12", "png"), timeout=30)
            assert rendered.status_code == 200
            assert pyvips.Image.new_from_buffer(rendered.content, "").width == 12
        # and the service still takes uploads
        assert _upload(base, headers, _small_png(77), "after.png").status_code == 201


def test_fifty_parallel_uploads_by_ten_users(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with server(data_dir) as (_, base):
        users = {f"user{n}": _register(base, f"user{n}") for n in range(10)}
        jobs = [(name, n * 5 + k) for n, name in enumerate(users) for k in range(5)]

        def upload(job: tuple[str, int]) -> tuple[str, int, str]:
            name, value = job
            response = _upload(base, users[name], _small_png(value), f"{value}.png")
            assert response.status_code == 201, response.text
            return name, value, response.json()["id"]

        with ThreadPoolExecutor(max_workers=25) as pool:
            results = list(pool.map(upload, jobs))

        ids = [image_id for _, _, image_id in results]
        assert len(ids) == 50 and len(set(ids)) == 50
        for name, headers in users.items():
            listing = httpx.get(base + "/images?limit=100", headers=headers, timeout=30).json()
            own = sorted(image_id for owner, _, image_id in results if owner == name)
            assert listing["total"] == 5
            assert sorted(item["id"] for item in listing["items"]) == own
        # each stored image is the one its owner sent (no mix-ups under concurrency)
        for _, value, image_id in results[::7]:
            rendered = httpx.get(base + signed_path(TEST_URL_SECRET, image_id, "", "png"), timeout=30)
            assert [round(v) for v in pyvips.Image.new_from_buffer(rendered.content, "")(3, 3)][:2] == [
                value % 256, value // 256,
            ]
    assert _doctor(data_dir, fix=False) == (0, ["0 problem(s) found, 0 fixed, 0 remaining"])


def test_upload_over_the_cap_is_refused_before_the_body_is_sent(tmp_path: Path) -> None:
    """A 20 MB chunked body (no Content-Length) against a 1 MB cap: 413 arrives while the client is still
    sending, after little more than the cap was read."""
    with server(tmp_path / "data", IMGORIGIN_MAX_UPLOAD_BYTES="1M") as (_, base):
        headers = _register(base, "streamer")
        host, port = base.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=30)
        head = (f"POST /images HTTP/1.1\r\nHost: {host}\r\nAuthorization: {headers['Authorization']}\r\n"
                "Content-Type: multipart/form-data; boundary=cap\r\nTransfer-Encoding: chunked\r\n\r\n")
        part = (b'--cap\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
                b"Content-Type: image/jpeg\r\n\r\n")
        sent, answer = 0, b""
        try:
            sock.sendall(head.encode() + f"{len(part):x}\r\n".encode() + part + b"\r\n")
            chunk = b"\xff" * (64 * 1024)
            while sent < 20 * 1024 * 1024:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                try:
                    sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
                time.sleep(0.002)
            sock.settimeout(10)
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert b'"code":"upload_too_large"' in answer
        assert sent < 3 * 1024 * 1024, f"the client sent {sent} bytes before the refusal"
        assert httpx.get(base + "/healthz", timeout=10).status_code == 200


def test_a_client_that_disconnects_mid_upload_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with server(data_dir) as (_, base):
        headers = _register(base, "quitter")
        host, port = base.removeprefix("http://").split(":")
        for declared in (True, False):  # with a Content-Length that never arrives, and chunked
            sock = socket.create_connection((host, int(port)), timeout=30)
            part = (b'--q\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
                    b"Content-Type: image/jpeg\r\n\r\n") + _big_jpeg()[: 2 * 1024 * 1024]
            framing = (f"Content-Length: {len(part) * 2}\r\n" if declared else "Transfer-Encoding: chunked\r\n")
            head = (f"POST /images HTTP/1.1\r\nHost: {host}\r\nAuthorization: {headers['Authorization']}\r\n"
                    f"Content-Type: multipart/form-data; boundary=q\r\n{framing}\r\n").encode()
            sock.sendall(head + (part if declared else f"{len(part):x}\r\n".encode() + part + b"\r\n"))
            sock.close()
        deadline = time.monotonic() + 10
        while [p for p in (data_dir / "tmp").glob("*")] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p.name for p in (data_dir / "tmp").glob("*")] == []
        listing = httpx.get(base + "/images", headers=headers, timeout=30).json()
        assert listing["total"] == 0
        assert httpx.get(base + "/healthz", timeout=10).status_code == 200
    assert _doctor(data_dir, fix=False) == (0, ["0 problem(s) found, 0 fixed, 0 remaining"])


_CRASH_SCRIPT = """
import os, shutil, sys
from pathlib import Path
from imgorigin.environment import load_settings
from imgorigin.services.library import now_iso
from imgorigin.services.wiring import Services

point, source = sys.argv[1], Path(sys.argv[2])
services = Services.build(load_settings())
user = services.db.create_user("victim", "x", now_iso())
spooled = services.settings.data_dir / "tmp" / "upload-crash"
spooled.parent.mkdir(parents=True, exist_ok=True)
shutil.copyfile(source, spooled)
if point == "before-original":  # verified, the original not yet renamed into place
    put = services.storage.put
    services.storage.put = lambda key, path: os._exit(137) if key.startswith("originals/") else put(key, path)
else:  # the original renamed into place, its row (and its levels job) not yet committed
    services.db.add_image = lambda *args, **kwargs: os._exit(137)
services.library.store_upload(user.id, "big.jpg", spooled, "0" * 64)
"""


@pytest.mark.parametrize("point", ["before-original", "before-row"])
def test_a_crash_at_each_write_step_is_repaired_by_doctor(tmp_path: Path, point: str) -> None:
    """The process dies (os._exit, like SIGKILL) exactly between two steps of the write order."""
    data_dir = tmp_path / "data"
    source = tmp_path / "big.jpg"
    source.write_bytes(_big_jpeg())  # big enough for pyramid levels
    process = subprocess.run([sys.executable, "-c", _CRASH_SCRIPT, point, str(source)], env=_env(data_dir),
                             capture_output=True, timeout=120)
    assert process.returncode == 137, process.stderr.decode()[-2000:]

    status, lines = _doctor(data_dir, fix=False)
    problems = sorted(line.split(": ")[1] for line in lines if line.startswith("problem"))
    # The levels come from a job recorded with the row: a crash before the row leaves none.
    expected = ["stale spool file"] if point == "before-original" else ["file without row"]
    assert (status, problems) == (1, sorted(expected)), lines
    assert not [line for line in lines if "row without file" in line]
    assert _doctor(data_dir, fix=True)[0] == 0
    assert _doctor(data_dir, fix=False) == (0, ["0 problem(s) found, 0 fixed, 0 remaining"])
    assert [p for p in (data_dir / "originals").rglob("*") if p.is_file()] == []
    assert [p for p in (data_dir / "pyramid").rglob("*") if p.is_file()] == []
