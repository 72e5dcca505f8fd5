"""Fetching a remote image for the ``fetch`` delivery type, safely.

- Only hosts on ``IMGORIGIN_FETCH_ALLOWED_HOSTS`` (``host``, ``host:port``, ``*.example.com`` or ``*``;
  empty: fetch is off). http and https only; no user info in the URL.
- The host is resolved once and the connection goes to that address (TLS still checks the certificate
  against the host name), so DNS cannot answer differently between the check and the connection.
- Private, loopback, link-local (cloud metadata), multicast, reserved and unspecified addresses, also
  inside IPv4-mapped IPv6, are refused unless the host is listed explicitly (a pattern without ``*``).
- Redirects are followed (at most 3) only to URLs that pass the same checks.
- Every read is bounded by a timeout, the whole download by a deadline, the body by a size cap.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from imgorigin.errors import Forbidden, ImgOriginError, NotFound, PayloadTooLarge

MAX_REDIRECTS = 3
MAX_URL = 2048
Resolver = Callable[[str, int], list[str]]


class BadGateway(ImgOriginError):
    status = 502
    code = "fetch_failed"


def refused(message: str) -> Forbidden:
    return Forbidden(message, code="fetch_not_allowed")


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise BadGateway("The remote host could not be resolved") from None
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # lowercased, as in the URL
    port: int
    path: str  # path and query, as sent
    explicit: bool  # the host (and port) is listed without a wildcard


def _host_matches(pattern: str, host: str, port: int, default_port: int) -> tuple[bool, bool]:
    """(matches, explicitly): ``pattern`` is ``host``, ``host:port``, ``*.domain[:port]`` or ``*``."""
    if pattern == "*":
        return True, False
    name, _, wanted_port = pattern.rpartition(":") if pattern.count(":") == 1 else (pattern, "", "")
    if not name:
        name = pattern
    if wanted_port and wanted_port != str(port):
        return False, False
    if not wanted_port and port != default_port:
        return False, False
    name = name.lower()
    if name.startswith("*."):
        return host.endswith(name[1:]) and host != name[2:], False
    return host == name, True


def check_url(url: str, allowed: tuple[str, ...]) -> Target:
    """The parsed URL if its host is allowed; 403 otherwise (400 if it is not an http(s) URL)."""
    from imgorigin.errors import BadRequest

    if not allowed:
        raise refused("Fetching remote images is off on this server (IMGORIGIN_FETCH_ALLOWED_HOSTS)")
    if len(url) > MAX_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise BadRequest("The remote URL is too long or holds spaces or control characters", code="invalid_fetch_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadRequest("The remote URL is malformed", code="invalid_fetch_url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("The remote URL must be http:// or https:// with a host", code="invalid_fetch_url")
    if parts.username is not None or parts.password is not None:
        raise refused("A remote URL with credentials is not allowed")
    host = parts.hostname.lower().rstrip(".")
    default_port = 443 if parts.scheme == "https" else 80
    port = port or default_port
    explicit = False
    matched = False
    for pattern in allowed:
        hit, exact = _host_matches(pattern.strip(), host, port, default_port)
        matched |= hit
        explicit |= hit and exact
    if not matched:
        raise refused("Fetching from this host is not allowed")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, parts.scheme, host, port, path, explicit)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(address: str) -> bool:
    """A global unicast address, looking inside IPv4-mapped, 6to4, Teredo and NAT64 forms."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None:
            ip = ip.teredo[1]
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


def pin_address(target: Target, resolve: Resolver) -> str:
    """The one address to connect to; 403 for a private one unless the host is listed explicitly."""
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise BadGateway("The remote host could not be resolved")
    if not target.explicit and not all(_public(a) for a in addresses):
        raise refused("The remote host resolves to a private or local address")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def _copy(response: http.client.HTTPResponse, out: BinaryIO, max_bytes: int, deadline: float,
          feed: Callable[[bytes], object] | None) -> int:
    declared = response.getheader("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The remote image is larger than {max_bytes} bytes", code="fetch_too_large")
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The remote image is larger than {max_bytes} bytes", code="fetch_too_large")
        if time.monotonic() > deadline:
            raise BadGateway("The remote host took too long")
        if feed is not None:
            feed(chunk)
        out.write(chunk)
    return size


def download(url: str, allowed: tuple[str, ...], into: Path, max_bytes: int, timeout: float,
             resolve: Resolver = system_resolver, feed: Callable[[bytes], object] | None = None) -> int:
    """Fetch ``url`` into the file ``into`` (checks above), each chunk also given to ``feed``; the number
    of bytes written."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        target = check_url(url, allowed)
        address = pin_address(target, resolve)
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(target.host, target.port, address, max(0.1, deadline - time.monotonic()))
        try:
            connection.request("GET", target.path, headers={"Accept": "image/*", "User-Agent": "imgorigin-fetch"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("location")
                if not location:
                    raise BadGateway("The remote host redirected nowhere")
                url = urljoin(url, location)
                continue
            if response.status == 404 or response.status == 410:
                raise NotFound("The remote image was not found", code="remote_not_found")
            if response.status != 200:
                raise BadGateway(f"The remote host answered {response.status}")
            with open(into, "wb") as out:
                return _copy(response, out, max_bytes, deadline, feed)
        except (OSError, http.client.HTTPException) as exc:
            raise BadGateway("The remote host could not be reached", detail=f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
    raise BadGateway(f"More than {MAX_REDIRECTS} redirects")


def spool(url: str, allowed: tuple[str, ...], spool_dir: Path, prefix: str, max_bytes: int,
          timeout: float) -> tuple[Path, str]:
    """Fetch ``url`` into a new file of ``spool_dir`` (removed if the fetch fails), hashed as it is
    written: (its path, its sha256). The caller owns the file."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=spool_dir, prefix=prefix)
    os.close(fd)
    path = Path(name)
    digest = hashlib.sha256()
    try:
        download(url, allowed, path, max_bytes, timeout, feed=digest.update)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest()
