"""One middleware for what every request leaves behind: its metrics and one structured access-log line.

Pure ASGI (no ``BaseHTTPMiddleware``, which costs a task and a stream per request on the hot path):
it only watches the ``send`` calls go by. The log line is JSON on the ``imgorigin.access`` logger::

    {"time": "2026-11-21T05:20:08.123Z", "method": "GET", "path": "/t/s--..--/w_300/abc.webp",
     "route": "/t/{path:path}", "status": 200, "bytes": 18234, "duration_ms": 41.7, "cache": "MISS",
     "client": "10.0.0.7"}

The query string is left out: it may carry tokens, and delivery URLs do not use it.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imgorigin.state.metrics import Metrics

access_log = logging.getLogger("imgorigin.access")

_CACHE_RESULTS = {b"HIT": "hit", b"MISS": "miss"}


def configure_access_log() -> None:
    """Access lines go to stderr as bare JSON (no level/logger prefix), ready for a log shipper."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.handlers[:] = [handler]
    access_log.propagate = False


def route_of(scope: Scope) -> str:
    """The route's template (``/images/{id}``), never the raw path: metrics labels stay bounded."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering
        sent = 0
        cache: bytes | None = None

        async def watch(message: Message) -> None:
            nonlocal status, sent, cache
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", ()):
                    if name == b"x-cache":
                        cache = value
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            result = _CACHE_RESULTS.get(cache) if cache is not None else None
            if result is None and status == 304 and route.startswith("/t/"):
                result = "hit"  # revalidated from the cache without sending the body
            self.metrics.request(route, scope["method"], status, seconds, result)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(json.dumps({
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "bytes": sent,
                    "duration_ms": round(seconds * 1000, 2),
                    "cache": cache.decode("latin-1") if cache is not None else "-",
                    "client": client[0] if client else "-",
                }, separators=(", ", ": ")))
