"""A real ``imgorigin serve`` in a subprocess: loopback, a free port, its own data directory, stopped by PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(tmp_path: Path) -> Iterator[str]:
    """Yield the base URL of a fresh one-worker server; its log is shown if it fails to start."""
    port = _free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "IMGORIGIN_DATA_DIR": str(tmp_path / "server-data"),
        "IMGORIGIN_BCRYPT_ROUNDS": "4",
        "IMGORIGIN_RENDER_RATE": "0",
        "IMGORIGIN_TRANSFORM_RATE": "0",
        "IMGORIGIN_UPLOAD_RATE": "0",
        "IMGORIGIN_LOGIN_RATE": "1000",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "imgorigin", "serve", "--workers", "1", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(base + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
