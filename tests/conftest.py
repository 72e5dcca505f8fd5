"""Fixtures: an app on a temporary data directory, a client, users, a real S3 server.

Everything else the tests share is in tests/helpers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from imgorigin.config import Settings
from tests.helpers import Account, AppClient, make_settings, register


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with AppClient(settings) as test_client:
        yield test_client


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
        client = AppClient(make_settings(tmp_path / str(len(clients)), **overrides))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
