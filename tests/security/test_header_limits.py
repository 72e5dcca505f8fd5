"""The request head is capped by the origin itself (the Docker image exposes it without nginx).

Against a real ``imgorigin serve`` with each HTTP/1.1 parser: a 20 MB header line is refused within
seconds, after about ``MAX_HEADER_BYTES`` were read, and the server's memory does not grow.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import Origin

pytestmark = pytest.mark.integration

PAGE = os.sysconf("SC_PAGE_SIZE")
EXPECTED = {"httptools": b"HTTP/1.1 431 Request Header Fields Too Large", "h11": b"HTTP/1.1 400 Bad Request"}


@pytest.fixture(params=["httptools", "h11"])
def origin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Origin]]:
    server = Origin(tmp_path, {}, workers=1, args=("--http", request.param))
    server.start()
    try:
        yield request.param, server
    finally:
        server.stop()


def rss(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def oversized_request(port: int, size: int, where: str = "header") -> tuple[bytes, float]:
    """Send a header line (or a URL) of ``size`` bytes while reading: (the status line, seconds to it)."""
    start, end = ((b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", b"\r\n\r\n") if where == "header"
                  else (b"GET /t/", b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        def send() -> None:
            try:
                sock.sendall(start)
                chunk = b"a" * 65536
                for _ in range(size // len(chunk)):
                    sock.sendall(chunk)
                sock.sendall(end)
            except OSError:  # the server stopped listening to us: expected
                pass

        started = time.monotonic()
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except OSError as exc:
            raise AssertionError(f"no answer, {exc!r} after {time.monotonic() - started:.1f}s") from None
        elapsed = time.monotonic() - started
        sender.join(timeout=20)
        return answer.split(b"\r\n", 1)[0], elapsed


def test_a_20_mb_header_line_is_refused_quickly_without_memory_growth(origin: tuple[str, Origin]) -> None:
    http, server = origin
    assert server.process is not None
    before = rss(server.process.pid)
    for _ in range(6):
        status, elapsed = oversized_request(server.port, 20 * 1024 * 1024)
        assert status == EXPECTED[http]
        assert elapsed < 5, f"refused after {elapsed:.1f}s"
    status, elapsed = oversized_request(server.port, 20 * 1024 * 1024, where="url")  # the request line counts too
    assert status == EXPECTED[http] and elapsed < 5
    growth = rss(server.process.pid) - before
    assert growth < 16 * 1024 * 1024, f"RSS grew by {growth / 1e6:.0f} MB"
    assert httpx.get(server.base + "/healthz").json() == {"status": "ok"}


def test_ordinary_large_headers_still_pass_and_every_request_is_capped(origin: tuple[str, Origin]) -> None:
    """40 KB of cookies and tracing headers: over h11's own 16 KiB default, under the 64 KiB cap."""
    http, server = origin
    headers = {f"x-trace-{n}": "t" * 1000 for n in range(40)}
    with httpx.Client(base_url=server.base) as client:
        assert client.get("/healthz", headers=headers).status_code == 200
        # The second request on the same keep-alive connection is capped as well.
        refused = client.get("/healthz", headers={"x-big": "b" * 100_000})
        assert refused.status_code == int(EXPECTED[http].split()[1])
