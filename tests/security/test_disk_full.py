"""A full disk is an operating condition: 507 with a clear message where a write is needed, a failing
``/readyz``, a derived cache that shrinks to keep the floor free, and the rest of the service up.

Free space is faked through ``shutil.disk_usage``; write failures are real ``OSError(ENOSPC)`` and
SQLite's own "database or disk is full". The last test makes a real server's writes fail with
``RLIMIT_FSIZE`` (no root needed).
"""

from __future__ import annotations

import errno
import io
import resource
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.state.cache import DerivedCache
from imgorigin.storage.local import LocalStorage
from imgorigin.transform.values import OutputFormat
from tests.helpers import TEST_URL_SECRET, AppClient, make_settings, photo, register, services_of

MiB = 1024**2
FULL = {"code": "insufficient_storage", "message": "The server is out of disk space; retry later"}


class FakeDisk:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.free = 10 * 1024 * MiB
        real = shutil.disk_usage
        monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=self.free))


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> FakeDisk:
    return FakeDisk(monkeypatch)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with AppClient(make_settings(tmp_path, min_free_disk=512 * MiB, render_rate=600)) as test_client:
        yield test_client


def test_below_the_floor_uploads_and_sign_ups_are_507_and_readyz_says_why(client: TestClient,
                                                                           disk: FakeDisk) -> None:
    alice = register(client, "alice")
    image = alice.upload("rocket.jpg")
    cached = signed_path(TEST_URL_SECRET, image["id"], "w_50", "png")
    assert client.get(cached).status_code == 200

    disk.free = 100 * MiB
    upload = client.post("/images", headers=alice.headers,
                         files={"file": ("logo.png", io.BytesIO(photo("logo.png")), "image/png")})
    assert (upload.status_code, upload.json()["error"]) == (507, FULL)
    assert upload.headers["retry-after"] == "60"
    sign_up = client.post("/register", json={"username": "bob", "password": "correct horse battery"})
    assert (sign_up.status_code, sign_up.json()["error"]) == (507, FULL)
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["error"]["message"]) == (
        503, "Not ready: low disk space (100 MiB free, IMGORIGIN_MIN_FREE_DISK is 512 MiB)")
    # Reading goes on: listings, cached images, and new renders (answered, not stored).
    assert client.get("/images", headers=alice.headers).json()["total"] == 1
    assert client.get(cached).headers["x-cache"] == "HIT"
    fresh = signed_path(TEST_URL_SECRET, image["id"], "w_60", "png")
    assert [client.get(fresh).headers["x-cache"] for _ in range(2)] == ["MISS", "MISS"]

    disk.free = 2048 * MiB
    assert client.get("/readyz").json() == {"status": "ready"}
    assert register(client, "bob").upload("logo.png")["format"] == "png"


def test_enospc_while_storing_an_upload_is_507_and_leaves_nothing(client: TestClient,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    alice = register(client, "alice")

    def full(self: LocalStorage, key: str, source: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalStorage, "put", full)
    response = client.post("/images", headers=alice.headers,
                           files={"file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
    assert (response.status_code, response.json()["error"]) == (507, FULL)
    assert client.get("/images", headers=alice.headers).json()["total"] == 0
    assert list((services_of(client).settings.data_dir / "tmp").iterdir()) == []


def test_a_full_database_on_sign_up_is_507(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(services_of(client).db, "create_user", full)
    response = client.post("/register", json={"username": "carol", "password": "correct horse battery"})
    assert (response.status_code, response.json()["error"]) == (507, FULL)


def test_rate_limits_let_requests_through_when_their_disk_is_full(client: TestClient,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Sibling: the limiter's buckets live on the same disk; a failed write must not fail every render."""
    alice = register(client, "alice")
    image = alice.upload("rocket.jpg")

    def full(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(services_of(client).rate_limiter, "_take", full)
    response = client.get(signed_path(TEST_URL_SECRET, image["id"], "w_70", "png"))
    assert (response.status_code, response.headers["x-cache"]) == (200, "MISS")


def test_the_derived_cache_shrinks_to_keep_the_floor(tmp_path: Path, disk: FakeDisk) -> None:
    cache = DerivedCache(tmp_path / "cache", 1024 * MiB, min_free=512 * MiB)
    try:
        entry = b"x" * (300 * 1024)  # stored as files: each counts fully
        for n in range(10):
            cache.put(f"key{n}", OutputFormat.JPEG, entry, f"img{n}")
        assert all(f"key{n}" in cache for n in range(10))

        disk.free = 512 * MiB + MiB  # the floor plus 1 MiB: the cache may hold what it has plus 1 MiB
        cache.put("key10", OutputFormat.JPEG, entry, "img10")
        assert "key10" in cache and all(f"key{n}" in cache for n in range(10))

        disk.free = 512 * MiB - 2 * MiB  # 2 MiB under the floor: shrink by at least that
        cache.put("key11", OutputFormat.JPEG, entry, "img11")
        kept = [n for n in range(12) if f"key{n}" in cache]
        assert len(kept) <= 11 - 7 and kept == list(range(12 - len(kept), 12)), kept  # the oldest went first

        disk.free = 100 * MiB  # nothing may be stored at all now
        cache.put("key12", OutputFormat.JPEG, entry, "img12")
        assert "key12" not in cache
    finally:
        cache.close()


@pytest.mark.integration
def test_a_real_server_whose_writes_fail_answers_507(tmp_path: Path) -> None:
    """``imgorigin serve`` with RLIMIT_FSIZE at 300 KB: writing a bigger upload fails with EFBIG."""
    from tests.integration.servers import Origin

    server = Origin(tmp_path, {"IMGORIGIN_URL_SECRET": TEST_URL_SECRET}, workers=1)
    server.start()
    try:
        assert server.process is not None
        with httpx.Client(base_url=server.base, timeout=30) as http:
            token = http.post("/register", json={"username": "alice", "password": "correct horse battery"})
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (300 * 1024, 300 * 1024))
            big = http.post("/images", headers=headers,
                            files={"file": ("coffee.png", io.BytesIO(photo("coffee.png")), "image/png")})
            assert (big.status_code, big.json()["error"]) == (507, FULL)
            small = http.post("/images", headers=headers,
                              files={"file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
            assert small.status_code == 201, small.text
            assert http.get("/images", headers=headers).json()["total"] == 1
    finally:
        server.stop()
