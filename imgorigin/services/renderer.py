"""Turning (image id, plan, format) into bytes: cache, single flight, bounded libvips threads.

Both planes use it: the delivery plane for every ``/t/`` request, the control plane for
``POST /images/{id}/transform`` and downloads in another format.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from imgorigin.blob import Blob
from imgorigin.errors import ClientClosed, ImgOriginError, NotFound, RenderTimeout
from imgorigin.services.headers import HeaderMemo
from imgorigin.services.pyramid import level_picker, stored_header
from imgorigin.services.slots import RenderSlots
from imgorigin.state.cache import DerivedCache
from imgorigin.state.failures import FailureMemo
from imgorigin.storage import Storage, original_key
from imgorigin.transform.autosize import resolve, uses_hints
from imgorigin.transform.cutout import BackgroundRemover
from imgorigin.transform.deadline import Deadline, MemoryBudget
from imgorigin.transform.expreval import evaluate
from imgorigin.transform.exprplan import Program
from imgorigin.transform.faces import FaceDetector
from imgorigin.transform.formats import keeps_graphics_exact
from imgorigin.transform.frames import page_height
from imgorigin.transform.levels import PyramidPolicy
from imgorigin.transform.limits import Limits
from imgorigin.transform.params import PAGE
from imgorigin.transform.render import adds_alpha, render
from imgorigin.transform.responsive import NO_HINTS, Hints
from imgorigin.transform.source import Header, SourceLimits, read_header
from imgorigin.transform.transformation import Transformation
from imgorigin.transform.values import AutoFormat, Output, OutputFormat

log = logging.getLogger("imgorigin.render")

# Bump when rendering changes what a URL produces, so old cache entries stop matching.
RENDER_VERSION = "2"


def cache_key(image_id: str, plan: Transformation, output: Output) -> str:
    text = f"{RENDER_VERSION}\n{image_id}\n{plan.canonical()}\n{output.value}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Derived:
    data: bytes
    format: OutputFormat
    etag: str
    cached: bool
    # Rendered in a slot that another render of this worker was waiting for: this worker has more work
    # than slots (the delivery plane then asks the client to reconnect, imgorigin/delivery/routes.py).
    contended: bool = False

    def dimensions(self) -> tuple[int, int]:
        """Width and height (of one frame) from the encoded header. Blocking: call it in a thread."""
        import pyvips

        image = pyvips.Image.new_from_buffer(self.data, "")
        return int(image.width), page_height(image)


@dataclass
class Flight:
    """One render in progress, shared by every request for its key; stopped when all of them left."""

    task: asyncio.Task[Derived]
    deadline: Deadline
    waiters: int = 0


def remembered(exc: BaseException) -> bool:
    """Failures that would repeat at full cost if the URL were asked again: the plan or the source is
    the problem (4xx), or the render cannot finish in time. Not: busy (503), gone (404), rate limits."""
    if isinstance(exc, RenderTimeout):
        return True
    return isinstance(exc, ImgOriginError) and 400 <= exc.status < 500 and exc.status not in (404, 429, 499)


class Renderer:
    """Built once per worker by the composition root (``services/wiring.py``) from what it uses."""

    def __init__(
        self, *, storage: Storage, cache: DerivedCache, slots: RenderSlots, avif_slots: RenderSlots,
        limits: Limits, source_limits: SourceLimits, pyramid: PyramidPolicy | None, memory: MemoryBudget,
        failures: FailureMemo, background_remover: BackgroundRemover, face_detector: FaceDetector,
        timeout: float, copy_budget: int,
        on_render: Callable[[Transformation, OutputFormat, float], None] | None = None,
        count_render: Callable[[str], None] | None = None,
    ) -> None:
        self.storage = storage
        self.cache = cache
        self.slots = slots
        # AVIF encodes take the most memory and use every core: fewer of them at once.
        self.avif_slots = avif_slots
        self.limits = limits
        self.source_limits = source_limits
        self.pyramid = pyramid
        self.memory = memory
        self.failures = failures
        self.background_remover = background_remover
        self.face_detector = face_detector
        self.timeout = timeout
        self.copy_budget = copy_budget  # bytes of in-memory copies one render may make
        self._flights: dict[str, Flight] = {}
        # Told (plan, format, seconds) after every render, from the render thread: metrics.
        self.on_render = on_render
        self.count_render = count_render  # per image id (the usage report)
        self.headers = HeaderMemo(self._read_header)  # for expressions and w_auto, before the cache key

    def _read_header(self, image_id: str, original: Original | None = None) -> Header:
        """With levels, their stored header: a render a level serves never fetches the original. Without,
        the original's own (``original`` fetches it once for the header and the render)."""
        header = stored_header(self.storage, image_id, self.source_limits) if self.pyramid else None
        return header or read_header((original or Original(self.storage, image_id))(), self.source_limits)

    async def evaluate(self, image_id: str, plan: Transformation | Program, hints: Hints = NO_HINTS) -> Transformation:
        """The plain plan a program of variables and conditions stands for on this image (a 400 when it
        cannot be evaluated), with w_auto and dpr_auto chosen by ``hints`` (none: the URL's fallbacks),
        known before the cache key; a plain plan without them as it is."""
        if isinstance(plan, Transformation) and uses_hints(plan) == (False, False):
            return plan
        header = await self.headers.get(image_id)
        if isinstance(plan, Transformation):
            return resolve(plan, hints, header.width, self.limits)
        return evaluate(plan, header, self.limits, hints)

    def lookup(self, key: str) -> Derived | None:
        hit = self.cache.get(key)
        if hit is None:
            return None
        fmt, data = hit
        return Derived(data, fmt, etag_of(key), cached=True)

    async def derive(
        self, image_id: str, plan: Transformation, output: Output,
        gone: Callable[[], Awaitable[object]] | None = None,
    ) -> Derived:
        """Render (or join the render already running for) one derivative.

        ``gone`` returns when the requester stops waiting (its client disconnected); once every
        requester of a render is gone, the render is stopped wherever it is."""
        plan = await self.evaluate(image_id, plan)  # w_auto left for a caller without a request: no hints
        key = cache_key(image_id, plan, output)
        hit = self.lookup(key)
        if hit is not None:
            return hit
        failure = self.failures.get(key)
        if failure is not None:
            raise failure
        flight = self._flights.get(key)
        if flight is None:
            deadline = Deadline(self.timeout, memory=self.memory, max_copy_bytes=self.copy_budget)
            task = asyncio.create_task(self._fly(key, image_id, plan, output, deadline))
            task.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved here
            flight = self._flights[key] = Flight(task, deadline)
        flight.waiters += 1
        try:
            if gone is None:
                return await asyncio.shield(flight.task)
            watcher = asyncio.ensure_future(gone())
            try:
                await asyncio.wait({flight.task, watcher}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                watcher.cancel()
            if flight.task.done():
                return flight.task.result()
            raise ClientClosed("The client went away")
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.deadline.stop("client")
                flight.task.cancel()
                if self._flights.get(key) is flight:
                    del self._flights[key]

    async def _fly(
        self, key: str, image_id: str, plan: Transformation, output: Output, deadline: Deadline,
    ) -> Derived:
        try:
            # AVIF encodes take the most memory and use every core: fewer of them at once, so a burst of
            # them keeps RSS bounded; they wait here without holding a render slot others could use.
            avif = output in (OutputFormat.AVIF, AutoFormat.AVIF)
            gate = self.avif_slots.slot() if avif else contextlib.nullcontext()
            async with gate:
                derived, held = await self.slots.run_held(self._render, key, image_id, plan, output, deadline)
            return replace(derived, contended=held.wanted) if held.wanted else derived
        except ImgOriginError as exc:
            if remembered(exc):
                self.failures.put(key, exc)
            raise
        finally:
            if self._flights.get(key) is not None and self._flights[key].deadline is deadline:
                del self._flights[key]

    def _render(
        self, key: str, image_id: str, plan: Transformation, output: Output, deadline: Deadline | None = None,
    ) -> Derived:
        started = time.perf_counter()
        original = Original(self.storage, image_id)
        try:
            header = self._read_header(image_id, original)
            fmt = final_format(output, header, plan)
            levels = None
            if self.pyramid is not None:
                levels = level_picker(self.storage, image_id, header, self.pyramid)
            rendered = render(original, header, plan, fmt, self.limits, levels=levels, open_layer=self.open_layer,
                              background_remover=self.background_remover, face_detector=self.face_detector,
                              auto_format=isinstance(output, AutoFormat),
                              deadline=deadline or Deadline(self.timeout, memory=self.memory,
                                                            max_copy_bytes=self.copy_budget))
        except ImgOriginError as exc:
            # The traceback (and the libvips error chained to it) holds the frames of the build, and so
            # its images, in a reference cycle until the cycle collector runs: hundreds of MB after a
            # failed render of a big animation. Drop them now.
            exc.__context__ = exc.__cause__ = None
            raise exc.with_traceback(None) from None
        if self.on_render is not None:
            self.on_render(plan, rendered.format, time.perf_counter() - started)
        if self.count_render is not None:
            try:
                self.count_render(image_id)
            except Exception as exc:  # the usage count is on the same disk: a full one must not fail the render
                log.warning("could not count a render of %s: %r", image_id, exc)
        self._store(key, rendered.format, rendered.data, image_id, plan)
        return Derived(rendered.data, rendered.format, etag_of(key), cached=False)

    def _store(self, key: str, fmt: OutputFormat, data: bytes, image_id: str, plan: Transformation) -> None:
        """Cache the result, then make sure its images still exist: one deleted during the render had its
        cache entries evicted before this one was written, so the entry goes and the answer is 404."""
        try:
            self.cache.put(key, fmt, data, image_id, plan.layer_ids())
        except Exception as exc:  # a full or broken cache disk: the image is still the answer
            log.warning("could not cache %s of %s: %r", key[:16], image_id, exc)
        for needed in (image_id, *plan.layer_ids()):
            if not self.storage.exists(original_key(needed)):
                self.cache.discard(key)
                raise NotFound("No such image" if needed == image_id else f"No such overlay image: l_{needed}",
                               code="image_not_found" if needed == image_id else "layer_not_found")


    def open_layer(self, image_id: str) -> tuple[Blob, Header]:
        """An overlay's original (l_<id>), read with the same caps as any source."""
        blob = self.storage.get(original_key(image_id))
        if blob is None:
            raise NotFound(f"No such overlay image: l_{image_id}", code="layer_not_found")
        return blob, read_header(blob, self.source_limits)


class Original:
    """Fetches an original from storage on the first call, then returns the same blob."""

    def __init__(self, storage: Storage, image_id: str) -> None:
        self.storage = storage
        self.image_id = image_id
        self.blob: Blob | None = None

    def __call__(self) -> Blob:
        if self.blob is None:
            self.blob = self.storage.get(original_key(self.image_id))
            if self.blob is None:
                raise NotFound("No such image", code="image_not_found")
        return self.blob


def final_format(output: Output, header: Header, plan: Transformation) -> OutputFormat:
    """The format once the source is known: f_auto keeps an animation animated (WebP, else GIF) and
    never sends alpha to JPEG. The Accept class in the cache key already keys this per image."""
    if isinstance(output, OutputFormat):
        return output
    wanted = plan.output(PAGE)
    frames = header.pages if wanted is None else (wanted.last or header.pages) - wanted.first + 1
    if frames > 1:
        return OutputFormat.GIF if output is AutoFormat.OTHER else OutputFormat.WEBP
    if output is AutoFormat.AVIF and keeps_graphics_exact(plan, header):
        return OutputFormat.WEBP  # lossless WebP: lossless AVIF is larger and far slower
    if output.preferred is None:
        return OutputFormat.PNG if header.has_alpha or adds_alpha(plan) else OutputFormat.JPEG
    return output.preferred


def etag_of(key: str) -> str:
    return f'"{key[:32]}"'
