"""Eager derivation (Cloudinary's ``eager``): derivatives rendered in the background after an upload.

The same pool also runs the work an upload leaves for later, its pyramid levels and colour summary
(jobs of kind ``levels``, imgorigin/services/ingest.py).

``POST /images`` may carry a form field ``eager``: transformations separated by ``|``, each ending in an
optional format, either as an extension after a slash or as ``f_<fmt>``::

    eager=c_fill,w_400,h_300/webp|w_1200/e_sharpen|c_thumb,w_96,h_96,f_png

A transformation without a format is rendered in the original's format. ``f_auto`` is refused: which
variant a browser gets is decided per request, so there is no single derivative to prepare.

The work is recorded in SQLite (table ``eager``) before the upload answers, then done by a bounded
pool in each worker process that leases jobs from that table: a job survives a restart, two workers
never take the same job, and a worker that dies mid-render lets its lease expire so another takes
the job again. Renders go through the same slots, cache and single-flight as delivery requests, so
eager work can never starve the delivery plane of more than ``IMGORIGIN_EAGER_CONCURRENCY`` slots.
Each job is its owner's rendering, charged to the same per-user bucket as ``POST /images/{id}/transform``
(a job over it waits, uncounted); a job that timed out is never tried again (it would time out again);
at most ``IMGORIGIN_EAGER_PENDING`` jobs of one user wait at a time.

With several render nodes, rendering on the control node would warm only its own cache. There
``IMGORIGIN_EAGER_VIA`` names the nginx (or CDN) in front of the render nodes, and each job becomes a
GET of its signed URL through it: one render node renders, and the shared cache keeps the result.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
import httpx

from imgorigin.client.urls import signed_path
from imgorigin.errors import BadRequest, ImgOriginError, NotFound, RenderTimeout, Unavailable
from imgorigin.security import refuse_proxy_rewrites
from imgorigin.services.ingest import Ingest
from imgorigin.services.library import iso_at, now_iso
from imgorigin.state.jobs import EVERY_LEVELS_JOB
from imgorigin.state.records import LEVELS_JOB, EagerJob
from imgorigin.transform.params import FORMAT
from imgorigin.transform.transformation import Transformation
from imgorigin.transform.values import OutputFormat, parse_output_format

if TYPE_CHECKING:
    from imgorigin.config import Settings
    from imgorigin.services.renderer import Renderer
    from imgorigin.services.slots import RenderSlots
    from imgorigin.services.transformations import Transformations
    from imgorigin.state.db import Database
    from imgorigin.state.metrics import Metrics
    from imgorigin.state.ratelimit import RateLimiter

log = logging.getLogger("imgorigin.eager")

MAX_EAGER = 10
LEASE_SECONDS = 120.0  # longer than any render may take (render_timeout caps it)
POLL_SECONDS = 2.0  # how soon a job recorded by another worker, or left by a dead one, is noticed
MAX_ATTEMPTS = 5
RETRY_SECONDS = 10.0  # a job that met an overloaded node or a storage outage waits this long
# Levels jobs yield to an import: while uploads that leave levels keep coming (the last two recorded
# less than IMPORT_GAP_SECONDS apart, the last one less than that ago), their levels wait, so the cores
# go to answering uploads; they are built once the uploads pause, none waiting over the patience.
IMPORT_GAP_SECONDS = 1.0
LEVELS_PATIENCE_SECONDS = 60.0


@dataclass(frozen=True)
class EagerSpec:
    transformation: str
    extension: str | None  # None: the original's format (unless the transformation has f_<fmt>)


def parse_eager(text: str, transformations: Transformations) -> list[EagerSpec]:
    """The ``eager`` form field, validated completely before the upload is stored (400 otherwise)."""
    return [spec for spec, _ in eager_plans(text, transformations.parse)]


def eager_plans(text: str, plan_of: Callable[[str], Transformation]) -> list[tuple[EagerSpec, Transformation]]:
    """Each transformation of an ``eager`` field, and its plan as ``plan_of`` resolves it (the server's
    presets for ``/t/``; for Cloudinary's Upload API what the account's delivery URLs resolve)."""
    items = [item.strip() for item in text.split("|")]
    if not text.strip():
        return []
    if len(items) > MAX_EAGER:
        raise BadRequest(f"eager: at most {MAX_EAGER} transformations", code="invalid_eager")
    found: dict[EagerSpec, Transformation] = {}
    for index, item in enumerate(items):
        transformation, extension = _split_format(index, item)
        try:
            refuse_proxy_rewrites(transformation)
            plan = plan_of(transformation)
        except (BadRequest, NotFound) as exc:
            raise BadRequest(f"eager[{index}]: {exc.message}", code="invalid_eager") from None
        if plan.output_format(OutputFormat.JPEG) is None:
            raise BadRequest(
                f"eager[{index}]: f_auto depends on each browser's Accept header; name a format",
                code="invalid_eager",
            )
        if extension is None and plan.output(FORMAT) is not None:
            extension = output_of(plan, "jpg").value  # f_png: show and sign it as .png
        found.setdefault(EagerSpec(transformation, extension), plan)
    return list(found.items())


def _split_format(index: int, item: str) -> tuple[str, str | None]:
    """``w_400/webp`` or ``w_400.webp``: (transformation, extension); ``w_400``: (w_400, None)."""
    if not item:
        raise BadRequest(f"eager[{index}]: empty transformation", code="invalid_eager")
    head, slash, last = item.rpartition("/")
    stem, dot, extension = last.rpartition(".")
    if dot:
        head, last = (f"{head}/{stem}" if slash else stem), extension
    elif "_" in last:
        return item, None
    try:
        return head, parse_output_format(last).value
    except ValueError:
        raise BadRequest(
            f"eager[{index}]: unknown format {last!r}: expected jpg, png, webp, avif, gif or tiff",
            code="invalid_eager",
        ) from None


def output_of(plan: Transformation, extension: str) -> OutputFormat:
    fmt = plan.output_format(parse_output_format(extension))
    assert fmt is not None, "parse_eager refuses f_auto"
    return fmt


class EagerWorker:
    """Leases eager jobs from the database and renders them, ``concurrency`` at a time."""

    def __init__(self, *, db: Database, renderer: Renderer, slots: RenderSlots, ingest: Ingest,
                 transformations: Transformations, rate_limiter: RateLimiter, metrics: Metrics, settings: Settings,
                 concurrency: int) -> None:
        self.db = db
        self.renderer = renderer
        self.slots = slots  # the levels jobs decode whole originals: they take a render slot
        self.ingest = ingest
        self.transformations = transformations
        self.rate_limiter = rate_limiter
        self.metrics = metrics
        self.settings = settings  # transform_rate, eager_via, the signing secret, render_timeout
        self.concurrency = concurrency
        self.wake: asyncio.Event | None = None

    def notify(self) -> None:
        """Called after an upload recorded jobs, so this worker starts now rather than at the next poll."""
        if self.wake is not None:
            self.wake.set()

    async def run(self) -> None:
        self.wake = asyncio.Event()  # bound to the loop that runs the pool
        async with anyio.create_task_group() as group:
            for _ in range(self.concurrency):
                group.start_soon(self._loop)

    async def _loop(self) -> None:
        while True:
            recheck = POLL_SECONDS
            try:
                jobs, recheck = await anyio.to_thread.run_sync(self._claim)
                if jobs:
                    await self._run(jobs[0])
                    continue
            except Exception:  # e.g. the database is locked for too long: the leases keep the jobs safe
                log.exception("eager worker: could not take or finish a job")
            assert self.wake is not None
            self.wake.clear()
            with anyio.move_on_after(recheck):
                await self.wake.wait()

    def _claim(self) -> tuple[list[EagerJob], float]:
        """At most one job this worker may take now, and how soon to look again if there is none (runs in a
        thread)."""
        now = time.time()
        levels_until, recheck = levels_claimable_until(self.db, now)
        return self.db.claim_eager(1, LEASE_SECONDS, now, levels_until), recheck

    async def _run(self, job: EagerJob) -> None:
        db = self.db
        metrics = self.metrics
        # Eager work is its owner's rendering like POST /images/{id}/transform: the same per-user budget.
        # The levels an upload left for later are the server's own work: they spend no one's budget.
        if job.kind != LEVELS_JOB:
            owner = await anyio.to_thread.run_sync(db.image_owner, job.image_id)
            wait = await anyio.to_thread.run_sync(
                self.rate_limiter.take, f"transform:{owner}", self.settings.transform_rate
            )
            if wait is not None:
                await anyio.to_thread.run_sync(db.postpone_eager, job.id, time.time() + wait, now_iso())
                metrics.inc("imgorigin_eager_total", (("result", "postponed"),))
                return
        try:
            if job.kind == LEVELS_JOB:  # always here: the levels are written to storage, not to a cache
                await self.slots.run(self.ingest.finish_upload, job.image_id)
            elif self.settings.eager_via:
                await self._fetch(job)
            else:
                plan = self.transformations.parse(job.transformation)
                fmt = output_of(plan, job.format)
                await self.renderer.derive(job.image_id, plan, fmt)
        except RenderTimeout as exc:  # it would time out again: never retried
            await self._finish(job, "failed", exc.message)
        except Unavailable as exc:
            if job.attempts < MAX_ATTEMPTS:
                log.info("eager job %s postponed: %s", job.id, exc.detail or exc.message)
                await anyio.to_thread.run_sync(db.retry_eager, job.id, time.time() + RETRY_SECONDS, exc.message,
                                               now_iso())
                metrics.inc("imgorigin_eager_total", (("result", "retried"),))
                return
            await self._finish(job, "failed", f"{exc.message} (gave up after {job.attempts} attempts)")
        except ImgOriginError as exc:
            await self._finish(job, "failed", exc.message)
        except Exception:
            log.exception("eager job %s (%s) failed", job.id, job.transformation)
            await self._finish(job, "failed", "Internal error")
        else:
            await self._finish(job, "done", None)

    async def _fetch(self, job: EagerJob) -> None:
        """Request the signed URL through the cache in front of the render nodes, so it fills that cache."""
        settings = self.settings
        url = settings.eager_via.rstrip("/") + signed_path(
            settings.signing_secret, job.image_id, job.transformation, job.format
        )
        try:
            async with httpx.AsyncClient(timeout=settings.render_timeout + 10) as client:
                response = await client.get(url)
                await response.aread()
        except httpx.HTTPError as exc:
            raise Unavailable("The render nodes could not be reached", detail=f"{url}: {exc!r}") from None
        if response.headers.get("x-imgorigin-error") == "render_timeout":
            raise RenderTimeout("The render took too long")
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable("The render nodes are busy or down", detail=f"{url}: {response.status_code}")
        if response.status_code != 200:
            raise ImgOriginError(response.text.strip()[:200] or f"HTTP {response.status_code}")

    async def _finish(self, job: EagerJob, state: str, error: str | None) -> None:
        await anyio.to_thread.run_sync(self.db.finish_eager, job.id, state, error, now_iso())
        self.metrics.inc("imgorigin_eager_total", (("result", state),))


def levels_claimable_until(db: Database, now: float) -> tuple[str, float]:
    """The newest creation time of a levels job that may be claimed now, all of them unless an
    import is under way, then only those that have waited their patience out; and how soon to look
    again when there is nothing to claim (the moment the import would count as paused)."""
    times = [datetime.fromisoformat(stamp).timestamp() for stamp in db.last_recorded(LEVELS_JOB, 2)]
    if len(times) < 2 or now - times[0] >= IMPORT_GAP_SECONDS or times[0] - times[1] >= IMPORT_GAP_SECONDS:
        return EVERY_LEVELS_JOB, POLL_SECONDS
    return iso_at(now - LEVELS_PATIENCE_SECONDS), max(0.05, times[0] + IMPORT_GAP_SECONDS - now)


def record_eager(db: Database, image_id: str, specs: list[EagerSpec], default_extension: str) -> None:
    """Write the jobs down (runs in a thread); the caller then wakes the pool with ``notify``."""
    items = [(spec.transformation, spec.extension or default_extension) for spec in specs]
    db.add_eager(image_id, items, now_iso())
