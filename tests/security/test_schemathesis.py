"""schemathesis against ``/openapi.json``: generated requests to every operation, authenticated as a
registered user who owns an image; no 5xx, and every answer conforms to the document."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from imgorigin.app import create_app
from tests.helpers import make_settings, photo, register

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The app (lifespan entered once) and the token of a user who owns one image."""
    base: Path = tmp_path_factory.mktemp("schemathesis")
    application = create_app(make_settings(base))
    with TestClient(application) as client:
        account = register(client, "fuzzer")
        response = client.post("/images", headers=account.headers,
                               files={"file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
        assert response.status_code == 201
        yield client, account.token


@pytest.fixture(scope="module")
def token(served: tuple[TestClient, str]) -> str:
    return served[1]


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema(served: tuple[TestClient, str]) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_dict(served[0].get("/openapi.json").json())
    # DELETE /me would end the session every other generated call relies on; it has its own test.
    return loaded.exclude(path="/me", method="DELETE")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: schemathesis.Case, served: tuple[TestClient, str]) -> None:
    # Sent through the module's one TestClient (one event loop for the app's whole lifespan).
    client, token = served
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers={"Authorization": f"Bearer {token}"})
    kwargs.pop("cookies", None)
    if isinstance(kwargs.get("data"), bytes | str):  # requests' spelling of a raw body; httpx says content
        kwargs["content"] = kwargs.pop("data")
    if kwargs.get("files"):  # requests accepts any value in a part; httpx wants bytes
        kwargs["files"] = [
            (field, (name, value if isinstance(value, bytes) else str(value).encode()))
            for field, (name, value) in kwargs["files"]
        ]
    response = client.request(**kwargs)
    response.request.read()  # multipart bodies stream; the checks read the request back
    case.validate_response(response, checks=CHECKS)
