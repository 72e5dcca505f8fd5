"""Turning (image id, plan, format) into bytes: cache, single flight, bounded libvips threads.

Both planes use it: the delivery plane for every ``/t/`` request, the control plane for
``POST /images/{id}/transform`` and downloads in another format.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import anyio
import anyio.to_thread

from imgorigin.cache import DerivedCache
from imgorigin.config import Settings
from imgorigin.errors import NotFound, Unavailable
from imgorigin.pyramid import level_picker
from imgorigin.storage import Storage, original_key
from imgorigin.transform.effects.background_removal import BackgroundRemover
from imgorigin.transform.levels import PyramidPolicy
from imgorigin.transform.params import PAGE
from imgorigin.transform.plan import Limits, Transformation
from imgorigin.transform.render import adds_alpha, render
from imgorigin.transform.source import Blob, Header, SourceLimits, read_header
from imgorigin.transform.values import OutputFormat

T = TypeVar("T")

BG_REMOVAL_WAIT = 5.0  # seconds a render waits for a free background-removal slot

# Bump when rendering changes what a URL produces, so old cache entries stop matching.
RENDER_VERSION = "1"


def cache_key(image_id: str, plan: Transformation, fmt: str) -> str:
    text = f"{RENDER_VERSION}\n{image_id}\n{plan.canonical()}\n{fmt}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Derived:
    data: bytes
    format: OutputFormat
    etag: str
    cached: bool


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


class Renderer:
    def __init__(self, settings: Settings, storage: Storage, cache: DerivedCache) -> None:
        self.settings = settings
        self.storage = storage
        self.cache = cache
        self.limits = Limits(
            max_components=settings.max_components,
            max_output_side=settings.max_output_side,
            max_output_pixels=settings.max_output_pixels,
            max_animation_pixels=settings.max_animation_pixels,
        )
        self.source_limits = SourceLimits(
            max_pixels=settings.max_source_pixels,
            max_side=settings.max_source_side,
            max_frames=settings.max_frames,
            max_animation_pixels=settings.max_animation_pixels,
            allow_svg=settings.allow_svg,
        )
        self.pyramid = PyramidPolicy() if settings.pyramid else None
        self.avif_slots = RenderSlots(settings.avif_concurrency, settings.render_queue, settings.render_timeout)
        # One model session per worker, created on first use, shared by its render threads. A render
        # waiting for the model holds a render slot, so it gives up (503) well before the render timeout.
        self.background_remover = BackgroundRemover(
            settings.model_dir, settings.bg_removal_concurrency, min(BG_REMOVAL_WAIT, settings.render_timeout)
        )
        self.slots = RenderSlots(
            settings.effective_render_concurrency, settings.render_queue, settings.render_timeout
        )
        self._flights: dict[str, asyncio.Future[Derived]] = {}
        # Told (plan, format, seconds) after every render, from the render thread: metrics.
        self.on_render: Callable[[Transformation, OutputFormat, float], None] | None = None

    def lookup(self, key: str) -> Derived | None:
        hit = self.cache.get(key)
        if hit is None:
            return None
        fmt, data = hit
        return Derived(data, fmt, etag_of(key), cached=True)

    async def derive(self, image_id: str, plan: Transformation, fmt: OutputFormat | None, variant: str) -> Derived:
        """Render (or join the render already running for) one derivative. ``fmt`` None: f_auto's jpg/png."""
        key = cache_key(image_id, plan, variant)
        hit = self.lookup(key)
        if hit is not None:
            return hit
        flight = self._flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight)
        future: asyncio.Future[Derived] = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        try:
            # AVIF encodes take the most memory and use every core: fewer of them at once, so a burst of
            # them keeps RSS bounded; they wait here without holding a render slot others could use.
            gate = self.avif_slots.slot() if fmt is OutputFormat.AVIF else contextlib.nullcontext()
            async with gate:
                result = await self.slots.run(self._render, key, image_id, plan, fmt, variant)
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: nobody else may be waiting
            raise
        finally:
            del self._flights[key]

    def _render(
        self, key: str, image_id: str, plan: Transformation, fmt: OutputFormat | None, variant: str = ""
    ) -> Derived:
        started = time.perf_counter()
        blob = self.storage.get(original_key(image_id))
        if blob is None:
            raise NotFound("No such image", code="image_not_found")
        header = read_header(blob, self.source_limits)
        fmt = final_format(fmt, variant, header, plan)
        levels = None
        if self.pyramid is not None:
            levels = level_picker(self.storage, image_id, header, self.pyramid)
        rendered = render(blob, header, plan, fmt, self.limits, timeout=self.settings.render_timeout,
                          levels=levels, open_layer=self.open_layer,
                          background_remover=self.background_remover)
        if self.on_render is not None:
            self.on_render(plan, rendered.format, time.perf_counter() - started)
        self.cache.put(key, rendered.format, rendered.data, image_id, plan.layer_ids())
        return Derived(rendered.data, rendered.format, etag_of(key), cached=False)


    def open_layer(self, image_id: str) -> tuple[Blob, Header]:
        """An overlay's original (l_<id>), read with the same caps as any source."""
        blob = self.storage.get(original_key(image_id))
        if blob is None:
            raise NotFound(f"No such overlay image: l_{image_id}", code="layer_not_found")
        return blob, read_header(blob, self.source_limits)


def final_format(
    chosen: OutputFormat | None, variant: str, header: Header, plan: Transformation
) -> OutputFormat:
    """The format once the source is known: f_auto keeps an animation animated (WebP, else GIF) and
    never sends alpha to JPEG. The cache variant (auto:avif...) already keys this per image."""
    wanted = plan.output(PAGE)
    frames = header.pages if wanted is None else (wanted.last or header.pages) - wanted.first + 1
    if variant.startswith("auto:") and frames > 1:
        return OutputFormat.WEBP if variant in ("auto:avif", "auto:webp") else OutputFormat.GIF
    if chosen is None:
        return OutputFormat.PNG if header.has_alpha or adds_alpha(plan) else OutputFormat.JPEG
    return chosen


def etag_of(key: str) -> str:
    return f'"{key[:32]}"'
