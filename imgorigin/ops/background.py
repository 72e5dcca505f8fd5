"""Work a worker process does besides answering requests, started and stopped with the app."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import anyio.to_thread

from imgorigin.clouds.renders import RenderPublisher
from imgorigin.services.wiring import Services
from imgorigin.state.metrics import FLUSH_INTERVAL, Metrics

log = logging.getLogger("imgorigin.ops")


async def flush_metrics(metrics: Metrics) -> None:
    """Publish this worker's counters to its siblings on the host (see state/metrics.py)."""
    while True:
        await asyncio.sleep(FLUSH_INTERVAL)
        try:
            await anyio.to_thread.run_sync(metrics.flush)
        except Exception:  # a full disk must not stop the worker; the next flush tries again
            log.exception("could not publish metrics")


async def warm_models(services: Services) -> None:
    """Load the background-removal model at start-up: importing rembg and opening the model takes tens of
    seconds on a small machine, which the first request would otherwise wait for (and time out on)."""
    remover = services.background_remover
    started = time.monotonic()
    try:
        warmed = await anyio.to_thread.run_sync(remover.warm, abandon_on_cancel=True)
    except Exception:  # a damaged model: requests answer 503 with the reason, the worker keeps serving
        log.exception("could not load the background-removal model")
        return
    if warmed:
        log.info("background-removal model loaded in %.1f s", time.monotonic() - started)


@asynccontextmanager
async def background(services: Services) -> AsyncIterator[None]:
    # This host's render counts, for the usage report of whichever node answers it (clouds/renders.py).
    tasks = [asyncio.create_task(flush_metrics(services.metrics)),
             asyncio.create_task(RenderPublisher(services).run())]
    if services.settings.bg_removal_warm:
        tasks.append(asyncio.create_task(warm_models(services)))
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
