"""Reaching into a test app's services (storage, database, render slots) with their types."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from imgorigin.services.wiring import Services
from imgorigin.storage.local import LocalStorage


def local_path(services: Services, key: str) -> Path:
    """Where a storage key lives on disk (the tests damage files behind the service's back)."""
    storage = services.storage
    assert isinstance(storage, LocalStorage)
    return storage.path_for(key)


MakeClient = Callable[..., TestClient]
