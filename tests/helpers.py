"""What the tests share: the test secrets, the shipped photos, settings and accounts of a test app,
signed delivery URLs, the API's error body, small encoded images and waiting on a condition.

Test modules import from here (``from tests.helpers import ...``); conftest.py holds only fixtures.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pyvips
from httpx import Response
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.config import Settings
from imgorigin.environment import load_settings
from imgorigin.security import long_signature
from imgorigin.services.wiring import Services

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


@dataclass
class Account:
    client: TestClient
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, name: str = "rocket.jpg", *, data: bytes | None = None, filename: str | None = None,
             form: Mapping[str, str] | None = None) -> Response:
        """POST /images with a shipped photo (or ``data``) and ``form`` fields; the answer as it is."""
        body = photo(name) if data is None else data
        response: Response = self.client.post(
            "/images", headers=self.headers, data=dict(form or {}),
            files={"file": (filename or name, io.BytesIO(body), "application/octet-stream")},
        )
        return response

    def upload(self, name: str = "rocket.jpg", data: bytes | None = None, filename: str | None = None) -> dict[str, Any]:
        response = self.post(name, data=data, filename=filename)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


def register(client: TestClient, username: str, password: str = "correct horse battery") -> Account:
    response = client.post("/register", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return Account(client, username, response.json()["token"])


class AppClient(TestClient):
    """A client of an app built on services the test keeps (``services_of``): its storage, database, slots.

    The app owns them as ``create_app`` would have built them: its shutdown closes them."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self.services = Services.build(settings)
        super().__init__(create_app(settings, self.services), **options)


def services_of(client: TestClient) -> Services:
    """The services behind a test app (storage, database, render slots), typed."""
    assert isinstance(client, AppClient), "build the client with AppClient(settings) to reach its services"
    return client.services


def signed(transformation: str, last: str, secret: str = TEST_URL_SECRET) -> str:
    """The path of a delivery URL with a long signature: ``signed("w_100", "<id>.jpg")``."""
    to_sign = f"{transformation}/{last}" if transformation else last
    return f"/t/{long_signature(to_sign, secret)}/{to_sign}"


def error(response: Response) -> tuple[int, str, str]:
    """Status, code and message of an API error; the body must hold nothing but ``{"error": {...}}``."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    return response.status_code, body["error"]["code"], body["error"]["message"]


def flat(width: int, height: int, colour: tuple[int, int, int]) -> pyvips.Image:
    return (pyvips.Image.black(width, height, bands=3) + list(colour)).cast("uchar").copy(interpretation="srgb")


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A PNG of one colour (uploads of the same content are deduplicated: vary the colour or size)."""
    return bytes(flat(width, height, colour).pngsave_buffer())


def jpeg(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (30, 120, 220)) -> bytes:
    return bytes(flat(width, height, colour).jpegsave_buffer(Q=90))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0, interval: float = 0.02) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:g} s"
        time.sleep(interval)


def settle_levels(client: TestClient, image_id: str, timeout: float = 60.0) -> None:
    """Wait until the levels job an upload left (imgorigin/services/ingest.py) has run in the app's eager pool."""
    from imgorigin.state.records import LEVELS_JOB

    db = services_of(client).db
    wait_until(lambda: not any(job.state == "pending" for job in db.eager_for(image_id, LEVELS_JOB)),
               f"building the levels of {image_id}", timeout)
