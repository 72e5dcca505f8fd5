"""Work a worker process does besides answering requests, started and stopped with the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import anyio.to_thread

from imgorigin.ops.metrics import FLUSH_INTERVAL, Metrics
from imgorigin.services import Services

log = logging.getLogger("imgorigin.ops")


async def flush_metrics(metrics: Metrics) -> None:
    """Publish this worker's counters to its siblings on the host (see ops/metrics.py)."""
    while True:
        await asyncio.sleep(FLUSH_INTERVAL)
        try:
            await anyio.to_thread.run_sync(metrics.flush)
        except Exception:  # a full disk must not stop the worker; the next flush tries again
            log.exception("could not publish metrics")


@asynccontextmanager
async def background(services: Services) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(flush_metrics(services.metrics))]
    if services.eager is not None:
        tasks.append(asyncio.create_task(services.eager.run()))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
