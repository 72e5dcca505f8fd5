"""A live server on loopback and Cloudinary's own Python SDK pointed at it with ``upload_prefix``.

The fixtures live here, imported by the modules that use them.
"""

from __future__ import annotations

import functools
import http.server
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudinary
import httpx
import pytest
import pyvips
import uvicorn
from starlette.applications import Starlette

from imgorigin.app import create_app
from imgorigin.services.wiring import Services
from tests.helpers import make_settings, png
from tests.integration.servers import free_port


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """``app`` under a real uvicorn in a thread, on a free loopback port; stopped on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass
class Cloud:
    """An account on the live server, with an API key, as the SDK is configured for it."""

    base: str
    name: str
    token: str
    api_key: str
    api_secret: str
    services: Services
    remote: str = ""  # a static file server on loopback that the server may fetch from (listed exactly)

    @property
    def options(self) -> dict[str, Any]:
        return {"cloud_name": self.name, "api_key": self.api_key, "api_secret": self.api_secret,
                "upload_prefix": self.base}

    def url(self, public_id: str, **options: Any) -> str:
        """The delivery URL the SDK builds for this server (shared layout behind a CNAME), signed."""
        host = self.base.split("://", 1)[1]
        url, _ = cloudinary.utils.cloudinary_url(
            public_id, cloud_name=self.name, api_secret=self.api_secret, cname=host, secure=False,
            sign_url=True, long_url_signature=True, **options)
        return str(url)

    def fetch(self, url: str) -> pyvips.Image:
        response = httpx.get(url, timeout=30)
        assert response.status_code == 200, (url, response.status_code, response.text[:200])
        return pyvips.Image.new_from_buffer(response.content, "")

    def record(self, public_id: str) -> Any:
        from imgorigin.clouds.records import image_by_public_id

        found = self.services.db.user_with_hash(self.name)
        assert found is not None
        return image_by_public_id(self.services.db, found[0].id, public_id)


def new_cloud(base: str, services: Services, username: str, remote: str = "") -> Cloud:
    registered = httpx.post(f"{base}/register", json={"username": username, "password": "correct horse battery"})
    assert registered.status_code == 201, registered.text
    token = registered.json()["token"]
    key = httpx.post(f"{base}/me/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
    return Cloud(base, key["cloud_name"], token, key["api_key"], key["api_secret"], services, remote)


@contextmanager
def static_files(directory: Path) -> Iterator[str]:
    """A plain HTTP server for ``directory`` on a free loopback port (a remote origin to fetch from)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module", name="server")
def server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services, str]]:
    remote_dir = tmp_path_factory.mktemp("remote")
    (remote_dir / "remote.png").write_bytes(png(24, 12, (10, 200, 10)))
    (remote_dir / "notes.txt").write_text("not an image")
    with static_files(remote_dir) as remote:
        settings = make_settings(tmp_path_factory.mktemp("v1_1"), max_upload_bytes=2 * 1024 * 1024,
                                 admin_api_rate=1000, fetch_allowed_hosts=(remote.split("//")[1],))
        services = Services.build(settings)
        with serving(create_app(settings, services)) as base:
            yield base, services, remote


_counter = iter(range(10_000))


@pytest.fixture(name="cloud")
def cloud_fixture(server: tuple[str, Services, str]) -> Iterator[Cloud]:
    """A fresh account per test, and the SDK's global configuration set to it (restored afterwards)."""
    base, services, remote = server
    account = new_cloud(base, services, f"site{next(_counter)}", remote)
    saved = dict(cloudinary.config().__dict__)
    cloudinary.config(**account.options)
    try:
        yield account
    finally:
        cloudinary.config().__dict__.clear()
        cloudinary.config().__dict__.update(saved)


@pytest.fixture(name="other")
def other_fixture(server: tuple[str, Services, str]) -> Cloud:
    base, services, _ = server
    return new_cloud(base, services, f"other{next(_counter)}")


def stream(data: bytes, name: str = "photo.png") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def mean_colour(image: pyvips.Image) -> list[float]:
    return [round(image.extract_band(band).avg()) for band in range(3)]


def stored_file(cloud: Cloud, public_id: str) -> Path | bytes:
    from imgorigin.storage import original_key

    record = cloud.record(public_id)
    blob = cloud.services.storage.get(original_key(record.id))
    assert blob is not None
    return blob.path if blob.path is not None else blob.data  # type: ignore[return-value]
