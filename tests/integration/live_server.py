"""A real ``imgorigin serve`` in a subprocess: loopback, a free port, its own data directory, stopped by PID."""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``imgorigin <args>`` with its saved logins in ``config``, as a user would run it."""
    full_env = {**os.environ, "IMGORIGIN_CONFIG_DIR": str(config), **(env or {})}
    for name in ("IMGORIGIN_SERVER", "IMGORIGIN_PROFILE"):
        if name not in (env or {}):
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "imgorigin", *args], capture_output=True, text=True,
                          env=full_env, timeout=120)
