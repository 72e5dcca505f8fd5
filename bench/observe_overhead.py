"""What the metrics and access-log middleware costs per request: python -m bench.observe_overhead

Drives a minimal ASGI app that answers like a cache hit (headers + one body chunk) directly, with and
without ``Observe`` around it, and prints microseconds per request. Access logging is measured both
enabled (to a discarding handler) and disabled by level.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import Message, Receive, Scope, Send

from imgorigin.ops.access import Observe, access_log
from imgorigin.state.metrics import Metrics

REQUESTS = 50_000
BODY = b"x" * 20_000


class Route:
    path = "/t/{path:path}"


async def hit(scope: Scope, receive: Receive, send: Send) -> None:
    scope["route"] = Route()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"image/webp"), (b"x-cache", b"HIT")]})
    await send({"type": "http.response.body", "body": BODY})


async def drive(app: object) -> float:
    scope = {"type": "http", "method": "GET", "path": "/t/s--abc--/w_300/abcdefghijklmnop.webp",
             "client": ("10.0.0.7", 50000)}

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        return None

    started = time.perf_counter()
    for _ in range(REQUESTS):
        await app(dict(scope), receive, send)  # type: ignore[operator]
    return (time.perf_counter() - started) / REQUESTS * 1e6


def main() -> None:
    access_log.handlers[:] = [logging.NullHandler()]
    access_log.propagate = False
    metrics = Metrics(None)
    base = asyncio.run(drive(hit))
    access_log.setLevel(logging.WARNING)
    quiet = asyncio.run(drive(Observe(hit, metrics)))
    access_log.setLevel(logging.INFO)
    logged = asyncio.run(drive(Observe(hit, metrics)))
    print(f"bare app:                    {base:6.1f} us/request")
    print(f"+ Observe, access log off:   {quiet:6.1f} us/request (+{quiet - base:.1f})")
    print(f"+ Observe, access log on:    {logged:6.1f} us/request (+{logged - base:.1f})")


if __name__ == "__main__":
    main()
