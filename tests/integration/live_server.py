"""A real ``imgorigin serve`` in a subprocess: loopback, a free port, its own data directory, stopped by PID."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.servers import Origin


@contextmanager
def live_server(tmp_path: Path) -> Iterator[str]:
    """Yield the base URL of a fresh one-worker server; its log is shown if it fails to start."""
    origin = Origin(tmp_path, {"IMGORIGIN_LOGIN_RATE": "1000"})
    origin.start()
    try:
        yield origin.base
    finally:
        origin.stop()
