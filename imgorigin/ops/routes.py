"""``GET /readyz`` (storage and database reachable, disk above its floor) and ``GET /metrics`` (Prometheus text format).

``/healthz`` answers as long as the process serves HTTP: a load balancer restarts on it. ``/readyz``
checks the dependencies: a load balancer stops sending traffic on it, without restarting anything.
"""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from imgorigin.errors import Unavailable
from imgorigin.services.wiring import Services
from imgorigin.state.disk import low_disk

log = logging.getLogger("imgorigin.ops")

CHECK_TIMEOUT = 10.0
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    failing = []
    checks = [("storage", services.storage.ping)]
    if services.database is not None:  # a render node has none
        checks.append(("database", services.database.ping))
    for name, check in checks:
        try:
            with anyio.fail_after(CHECK_TIMEOUT):
                await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
        except Exception as exc:
            log.warning("readiness check %s failed: %s", name, getattr(exc, "detail", None) or exc)
            failing.append(name)
    problems = [f"{' and '.join(failing)} unreachable"] if failing else []
    low = low_disk(services.settings.data_dir, services.settings.min_free_disk)
    if low is not None:
        log.warning("readiness: %s", low)
        problems.append(low)
    if problems:
        raise Unavailable(f"Not ready: {'; '.join(problems)}", retry_after=5, code="not_ready")
    return JSONResponse({"status": "ready"}, headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    text = await anyio.to_thread.run_sync(services.metrics.exposition)
    return PlainTextResponse(text, media_type=EXPOSITION, headers={"Cache-Control": "no-store"})


routes = [
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
