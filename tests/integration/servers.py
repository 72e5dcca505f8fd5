"""Real servers for integration tests: loopback only, free ports, bounded start-up, stopped by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text() if log and log.exists() else ""
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{output[-3000:]}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGCONT)  # in case a test left it stopped
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class MotoServer:
    """An S3-compatible server (moto) in a subprocess on a fixed loopback port, restartable on that port.

    moto keeps its buckets in memory: a restarted server starts empty.
    """

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT,
            )
        wait_for_http(f"http://{self.endpoint}/moto-api/", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections, but nothing answers (a hung server)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


class Origin:
    """``imgorigin serve`` in a subprocess on loopback, configured through IMGORIGIN_* like production."""

    def __init__(self, tmp_path: Path, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.log = tmp_path / "origin.log"
        self.workers = workers
        self.env = {
            **os.environ,
            "IMGORIGIN_DATA_DIR": str(tmp_path / "origin-data"),
            "IMGORIGIN_BCRYPT_ROUNDS": "4",
            "IMGORIGIN_RENDER_RATE": "0",
            "IMGORIGIN_TRANSFORM_RATE": "0",
            "IMGORIGIN_LOGIN_RATE": "0",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "imgorigin", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                stdout=out, stderr=subprocess.STDOUT, env=self.env,
            )
        wait_for_http(self.base + "/healthz", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
