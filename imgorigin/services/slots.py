"""Render slots: CPU work off the event loop, bounded. Beyond the slots and the queue, 503 at once.

libvips runs in worker threads (it releases the GIL); these slots bound how many at once per worker,
and how many requests may wait for one. Renders, upload checks, pyramid jobs and remote fetches all
take a slot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from imgorigin.errors import Unavailable

T = TypeVar("T")


class RenderSlots:
    """At most ``concurrency`` renders at once; at most ``queue`` waiting; beyond that, 503."""

    def __init__(self, concurrency: int, queue: int, wait_timeout: float) -> None:
        self.limiter = anyio.CapacityLimiter(concurrency)
        self.queue = queue
        self.wait_timeout = wait_timeout
        self.waiting = 0

    @property
    def in_flight(self) -> int:
        return int(self.limiter.borrowed_tokens)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.limiter.available_tokens == 0 and self.waiting >= self.queue:
            raise Unavailable("The server is busy; retry shortly", retry_after=2, code="overloaded")
        self.waiting += 1
        try:
            with anyio.fail_after(self.wait_timeout):
                await self.limiter.acquire()
        except TimeoutError:
            raise Unavailable("The server is busy; retry shortly", retry_after=5, code="overloaded") from None
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.limiter.release()

    async def run(self, func: Callable[..., T], *args: object) -> T:
        async with self.slot():
            return await anyio.to_thread.run_sync(func, *args, limiter=_UNBOUNDED)


# Renders are already bounded by RenderSlots; their thread hop must not also queue behind SQLite calls.
_UNBOUNDED = anyio.CapacityLimiter(1024)
