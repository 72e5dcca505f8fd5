"""Shared fixtures: an app on a temporary data directory, a client, users, uploads."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.config import Settings
from imgorigin.environment import load_settings

PHOTOS = Path(__file__).parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

TEST_URL_SECRET = "test-url-secret-0123456789abcdef"
TEST_JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789"


def require_tool(name: str) -> str:
    """The path of an external program an integration test needs: skipped locally, a failure in CI."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is required in CI (installed by .ci/run)")
        pytest.skip(f"{name} is not installed")
    return path


def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "url_secret": (TEST_URL_SECRET,),
        "jwt_secret": TEST_JWT_SECRET,
        "render_rate": 0.0,
        "transform_rate": 0.0,
        "login_rate": 0.0,
        "login_ip_rate": 0.0,
        "register_rate": 0.0,
        "upload_rate": 0.0,
        "bcrypt_rounds": 4,
        # Loading the model takes a core for many seconds: only the tests about it turn this on.
        "bg_removal_warm": False,
    }
    values.update(overrides)
    return load_settings(env={}, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass
class Account:
    client: TestClient
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def upload(self, name: str = "rocket.jpg", data: bytes | None = None, filename: str | None = None) -> dict[str, Any]:
        body = photo(name) if data is None else data
        response = self.client.post(
            "/images", headers=self.headers, files={"file": (filename or name, io.BytesIO(body), "application/octet-stream")}
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


def register(client: TestClient, username: str, password: str = "correct horse battery") -> Account:
    response = client.post("/register", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return Account(client, username, response.json()["token"])


@pytest.fixture
def alice(client: TestClient) -> Account:
    return register(client, "alice")


@pytest.fixture
def bob(client: TestClient) -> Account:
    return register(client, "bob")


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[Any]:
    """A real S3-compatible server (moto) in a subprocess on a free loopback port."""
    from tests.integration.servers import MotoServer, free_port

    server = MotoServer(free_port(), tmp_path / "moto.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Any]:
    """Apps with overridden settings, each on its own data directory, all shut down at the end."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        client = TestClient(create_app(make_settings(tmp_path / str(len(clients)), **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def settle_levels(client: TestClient, image_id: str, timeout: float = 60.0) -> None:
    """Wait until the levels job an upload left (imgorigin/services/ingest.py) has run in the app's eager pool."""
    from imgorigin.state.records import LEVELS_JOB

    db = client.app.state.services.db  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while any(job.state == "pending" for job in db.eager_for(image_id, LEVELS_JOB)):
        assert time.monotonic() < deadline, f"the levels of {image_id} were not built within {timeout:.0f} s"
        time.sleep(0.02)
