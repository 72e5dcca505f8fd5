"""Real servers for integration tests: loopback only, free ports, bounded start-up, stopped by PID."""

from __future__ import annotations

import grp
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from minio import Minio

from imgorigin.state.metrics import FLUSH_INTERVAL

START_TIMEOUT = 60.0  # a loaded CI machine starts two interpreters (serve re-executes itself) and the workers


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


def settled(read: Callable[[], float], timeout: float = 30.0) -> float:
    """A counter of a multi-worker server once it holds still for longer than a metrics flush: each
    worker publishes its counters every FLUSH_INTERVAL seconds, so by then all have published."""
    deadline = time.monotonic() + timeout
    previous = read()
    while True:
        time.sleep(FLUSH_INTERVAL * 1.2)
        current = read()
        if current == previous:
            return current
        assert time.monotonic() < deadline, f"the counter still moved after {timeout:g} s ({previous} -> {current})"
        previous = current


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


S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION = "test-access", "test-secret", "us-east-1"


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

    def settings(self, bucket: str, **overrides: Any) -> dict[str, Any]:
        """The IMGORIGIN_S3_* settings (as make_settings keywords) for a bucket on this server."""
        return {
            "storage": "s3", "s3_endpoint": self.endpoint, "s3_bucket": bucket, "s3_access_key": S3_ACCESS_KEY,
            "s3_secret_key": S3_SECRET_KEY, "s3_region": S3_REGION, "s3_secure": False, **overrides,
        }

    def client(self) -> Minio:
        return Minio(self.endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, secure=False, region=S3_REGION)

    def keys(self, bucket: str) -> set[str]:
        return {str(obj.object_name) for obj in self.client().list_objects(bucket, recursive=True)}


class Origin:
    """``imgorigin serve`` in a subprocess on loopback, configured through IMGORIGIN_* like production."""

    def __init__(self, tmp_path: Path, env: dict[str, str], workers: int = 1, args: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.args = tuple(args)
        self.log = tmp_path / "origin.log"
        self.workers = workers
        self.env = {
            **os.environ,
            "IMGORIGIN_DATA_DIR": str(tmp_path / "origin-data"),
            "IMGORIGIN_BCRYPT_ROUNDS": "4",
            "IMGORIGIN_RENDER_RATE": "0",
            "IMGORIGIN_TRANSFORM_RATE": "0",
            "IMGORIGIN_UPLOAD_RATE": "0",
            "IMGORIGIN_LOGIN_RATE": "0",
            "IMGORIGIN_BG_REMOVAL_WARM": "0",
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
                 "--workers", str(self.workers), *self.args],
                stdout=out, stderr=subprocess.STDOUT, env=self.env,
            )
        wait_for_http(self.base + "/healthz", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def _substitute(text: str, pattern: str, replacement: str | Callable[[re.Match[str]], str], count: int) -> str:
    result, found = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if found != count:
        raise AssertionError(f"nginx.conf changed: {pattern!r} matched {found} times, expected {count}")
    return result


def render_nginx_conf(source: Path, tmp: Path, port: int, render_ports: Sequence[int], control_port: int) -> str:
    """The shipped nginx.conf with only what a test must change: loopback ports for the listener and the
    upstreams, paths under ``tmp`` for the pid file, logs, cache and temp files, and the current user.
    Every substitution must match exactly as often as expected, so a drifting file breaks the test."""
    text = source.read_text()
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = _substitute(text, r"^user .*;$", f"user {user} {group};", 1)
    text = _substitute(text, r"^pid .*;$", f"pid {tmp / 'nginx.pid'};", 1)
    text = _substitute(text, r"^error_log .*;$", f"error_log {tmp / 'error.log'} info;", 1)
    text = _substitute(text, r"access_log /var/log/nginx/imgorigin.access.log", f"access_log {tmp / 'access.log'}", 1)
    text = _substitute(text, r"/var/cache/nginx/imgorigin", str(tmp / "cache"), 1)
    text = _substitute(
        text, r"^(\s*)server render-(\d)\.internal:8080",
        lambda m: f"{m.group(1)}server 127.0.0.1:{render_ports[(int(m.group(2)) - 1) % len(render_ports)]}", 3,
    )
    text = _substitute(text, r"^(\s*)server control\.internal:8080", rf"\g<1>server 127.0.0.1:{control_port}", 1)
    text = _substitute(text, r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};", 1)
    return _substitute(text, r"^http \{$", "http {\n" + temp, 1)


class Nginx:
    """The project's nginx.conf run by a real nginx as the current user, in the foreground, on loopback."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, conf: Path, render_ports: Sequence[int], control_port: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        rendered = self.directory / "nginx.conf"
        rendered.write_text(render_nginx_conf(conf, self.directory, self.port, render_ports, control_port))
        log = self.directory / "error.log"
        self.process = subprocess.Popen(
            [self.binary, "-c", str(rendered), "-p", str(self.directory), "-e", str(log), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_http(self.base + "/healthz", self.process, log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
