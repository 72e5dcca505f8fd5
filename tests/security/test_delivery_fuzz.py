"""Signed URLs of generated transformations through the whole delivery path (parse, render, encode):
every answer is an image or a short 4xx/503/504, never a 500, and the worker keeps answering."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.client.urls import signed_path
from tests.helpers import TEST_URL_SECRET, make_settings, photo, register
from tests.security.strategies import grammar_text, valid_text

ALLOWED = {200, 400, 404, 413, 415, 422, 503, 504}
EXTENSIONS = ["jpg", "png", "webp", "gif", "avif", "tiff"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str]]]:
    base: Path = tmp_path_factory.mktemp("fuzz")
    # Small output caps keep every generated render cheap; the caps themselves are what is exercised.
    app = create_app(make_settings(base, max_output_side=1024, max_output_pixels=1_000_000, render_timeout=2.0,
                                   cache_size=0))
    with TestClient(app) as client:
        account = register(client, "fuzzer")
        ids = []
        for name in ("logo.png", "rocket.jpg"):
            response = client.post("/images", headers=account.headers,
                                   files={"file": (name, io.BytesIO(photo(name)), "application/octet-stream")})
            ids.append(response.json()["id"])
        yield client, ids


transformations = st.one_of(grammar_text, valid_text)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(transformations, st.sampled_from(EXTENSIONS), st.integers(0, 1))
def test_signed_transformations_never_500(served: tuple[TestClient, list[str]], transformation: str,
                                          extension: str, which: int) -> None:
    client, ids = served
    # The signature covers the path as it is sent, so sign the percent-encoded form.
    encoded = quote(transformation, safe="/,:_.-!$&'()*+;=@~")
    response = client.get(signed_path(TEST_URL_SECRET, ids[which], encoded, extension))
    assert response.status_code in ALLOWED, (encoded, extension, response.status_code, response.text)
    if response.status_code != 200:
        assert response.headers["content-type"].startswith("text/plain")
        assert len(response.text) < 400 and "vips" not in response.text.lower()
        assert response.headers["cache-control"] == "no-store"
    assert client.get("/healthz").status_code == 200
