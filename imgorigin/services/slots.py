"""Render slots: CPU work off the event loop, bounded. Beyond the slots and the queue, 503 at once.

libvips runs in worker threads (it releases the GIL); these slots bound how many at once per worker,
and how many requests may wait for one. Renders, upload checks, pyramid jobs and remote fetches all
take a slot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import anyio
import anyio.to_thread

from imgorigin.errors import Unavailable

T = TypeVar("T")


@dataclass
class Held:
    """One use of a slot; ``wanted``, once it is given back: whether another task was waiting for it."""

    wanted: bool = False


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
    async def slot(self) -> AsyncIterator[Held]:
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
        held = Held()
        try:
            yield held
        finally:
            held.wanted = self.waiting > 0
            self.limiter.release()

    async def run(self, func: Callable[..., T], *args: object) -> T:
        return (await self.run_held(func, *args))[0]

    async def run_held(self, func: Callable[..., T], *args: object) -> tuple[T, Held]:
        """``run``, with the slot's ``Held``."""
        async with self.slot() as held:
            result = await anyio.to_thread.run_sync(func, *args, limiter=_UNBOUNDED)
        return result, held


# Renders are already bounded by RenderSlots; their thread hop must not also queue behind SQLite calls.
_UNBOUNDED = anyio.CapacityLimiter(1024)
