"""``GET /readyz`` (storage and database reachable, disk above its floor) and ``GET /metrics`` (Prometheus text format).

``/healthz`` answers as long as the process serves HTTP: a load balancer restarts on it. ``/readyz``
checks the dependencies: a load balancer stops sending traffic on it, without restarting anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from imgorigin.errors import Unavailable
from imgorigin.state.db import Database
from imgorigin.state.disk import low_disk
from imgorigin.state.metrics import Metrics
from imgorigin.storage import Storage

log = logging.getLogger("imgorigin.ops")

CHECK_TIMEOUT = 10.0
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class OpsRoutes:
    """What a load balancer and Prometheus read. A render node has no database to check."""

    storage: Storage
    database: Database | None
    data_dir: Path
    min_free_disk: int
    metrics: Metrics

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.exposition, methods=["GET"]),
        ]

    async def readyz(self, request: Request) -> Response:
        failing = []
        checks = [("storage", self.storage.ping)]
        if self.database is not None:
            checks.append(("database", self.database.ping))
        for name, check in checks:
            try:
                with anyio.fail_after(CHECK_TIMEOUT):
                    await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
            except Exception as exc:
                log.warning("readiness check %s failed: %s", name, getattr(exc, "detail", None) or exc)
                failing.append(name)
        problems = [f"{' and '.join(failing)} unreachable"] if failing else []
        low = low_disk(self.data_dir, self.min_free_disk)
        if low is not None:
            log.warning("readiness: %s", low)
            problems.append(low)
        if problems:
            raise Unavailable(f"Not ready: {'; '.join(problems)}", retry_after=5, code="not_ready")
        return JSONResponse({"status": "ready"}, headers={"Cache-Control": "no-store"})

    async def exposition(self, request: Request) -> Response:
        text = await anyio.to_thread.run_sync(self.metrics.exposition)
        return PlainTextResponse(text, media_type=EXPOSITION, headers={"Cache-Control": "no-store"})
