"""The ceiling for origin cache hits: a bare ASGI app under the same uvicorn answering a fixed body
of the size of the (e) hit, with no routing, cache lookup or headers. ``bench/run.py`` serves it
with ``uvicorn --workers 2`` and loads it like the origin."""

from __future__ import annotations

from typing import Any

BODY = b"\xff" * 17_150  # the size of the w_300 JPEG that workload (e) serves
HEADERS = [(b"content-type", b"image/jpeg"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
