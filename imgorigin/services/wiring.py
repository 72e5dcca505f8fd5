"""The composition root: the long-lived objects of one worker, each built once from the settings and
handed what it uses (never this whole object). The planes and the CLI take from here the one they call.
"""

from __future__ import annotations

from dataclasses import dataclass

from imgorigin.clouds.state import Published, Publisher
from imgorigin.config import Settings
from imgorigin.security import UrlSigner
from imgorigin.services.eager import EagerWorker
from imgorigin.services.ingest import Ingest
from imgorigin.services.library import Library
from imgorigin.services.renderer import Renderer
from imgorigin.services.slots import RenderSlots
from imgorigin.services.transformations import Transformations, source_limits
from imgorigin.state.cache import DerivedCache
from imgorigin.state.db import Database
from imgorigin.state.failures import FailureMemo
from imgorigin.state.metrics import Metrics, operations_of
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.state.rendercount import RenderCounter
from imgorigin.storage import Storage, make_storage
from imgorigin.transform.cutout import BackgroundRemover
from imgorigin.transform.deadline import MemoryBudget
from imgorigin.transform.faces import FaceDetector
from imgorigin.transform.levels import PyramidPolicy
from imgorigin.transform.source import SourceLimits, configure_libvips

BG_REMOVAL_WAIT = 5.0  # seconds a render waits for a free background-removal (or face detection) slot


@dataclass(frozen=True)
class Control:
    """What only a node serving the control plane has: the database and the services over it."""

    db: Database
    ingest: Ingest
    library: Library
    eager: EagerWorker | None  # None when IMGORIGIN_EAGER_CONCURRENCY is 0


@dataclass(frozen=True)
class Services:
    settings: Settings
    storage: Storage
    cache: DerivedCache
    transformations: Transformations
    source_limits: SourceLimits
    pyramid: PyramidPolicy | None  # None: IMGORIGIN_PYRAMID off
    slots: RenderSlots
    background_remover: BackgroundRemover  # one model session per worker, warmed at start-up if asked
    renderer: Renderer
    signer: UrlSigner
    rate_limiter: RateLimiter
    metrics: Metrics
    renders: RenderCounter
    published: Published  # per-account state for Cloudinary's layouts, read from the object store
    publisher: Publisher  # ... and written there by the control plane
    control: Control | None  # None on a render node (IMGORIGIN_ROLE=render): it never opens SQLite

    @property
    def database(self) -> Database | None:
        return None if self.control is None else self.control.db

    @property
    def db(self) -> Database:
        return self._control().db

    @property
    def library(self) -> Library:
        return self._control().library

    @property
    def ingest(self) -> Ingest:
        return self._control().ingest

    @property
    def eager(self) -> EagerWorker | None:
        return None if self.control is None else self.control.eager

    def _control(self) -> Control:
        if self.control is None:
            raise RuntimeError("a render node has no database (IMGORIGIN_ROLE=render)")
        return self.control

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Everything, in dependency order. The eager pool is built here and started by the app's lifespan."""
        configure_libvips(allow_svg=settings.allow_svg)
        storage = make_storage(settings)
        cache = DerivedCache(settings.cache_dir, settings.cache_size, settings.min_free_disk)
        transformations = Transformations.from_settings(settings)
        sources = source_limits(settings)
        pyramid = PyramidPolicy() if settings.pyramid else None
        memory = MemoryBudget(settings.render_memory)
        slots = RenderSlots(settings.effective_render_concurrency, settings.render_queue, settings.render_timeout)
        model_wait = min(BG_REMOVAL_WAIT, settings.render_timeout)
        # One model session per worker, created on first use, shared by its render threads. A render
        # waiting for the model holds a render slot, so it gives up (503) well before the render timeout.
        background_remover = BackgroundRemover(settings.model_dir, settings.bg_removal_concurrency, model_wait)
        metrics = Metrics(settings.state_dir / "metrics", gauges=lambda: {
            "imgorigin_renders_in_flight": slots.in_flight,
            "imgorigin_renders_queued": slots.waiting,
        })
        renders = RenderCounter(settings.state_dir / "renders")
        renderer = Renderer(
            storage=storage, cache=cache, slots=slots,
            avif_slots=RenderSlots(settings.avif_concurrency, settings.render_queue, settings.render_timeout),
            limits=transformations.limits, source_limits=sources, pyramid=pyramid, memory=memory,
            failures=FailureMemo(settings.state_dir / "failures", settings.render_failure_ttl),
            background_remover=background_remover,
            face_detector=FaceDetector(settings.bg_removal_concurrency, model_wait),
            timeout=settings.render_timeout, copy_budget=settings.render_memory,
            on_render=lambda plan, fmt, seconds: metrics.render(operations_of(plan), fmt.value, seconds),
            count_render=renders.count,
        )
        rate_limiter = RateLimiter(settings.state_dir)
        published = Published(storage, settings.state_ttl)
        publisher = Publisher(storage, settings.data_dir / "tmp", published)
        control = None
        if settings.serves_control:
            db = Database(settings.db_path)
            ingest = Ingest(db, storage, sources, pyramid, memory, settings.render_timeout, settings.data_dir / "tmp")
            library = Library(db, storage, cache, publisher, ingest, settings.render_timeout)
            worker = None
            if settings.eager_concurrency > 0:
                worker = EagerWorker(db=db, renderer=renderer, slots=slots, ingest=ingest,
                                     transformations=transformations, rate_limiter=rate_limiter, metrics=metrics,
                                     settings=settings, concurrency=settings.eager_concurrency)
            control = Control(db, ingest, library, worker)
        return cls(
            settings=settings, storage=storage, cache=cache, transformations=transformations,
            source_limits=sources, pyramid=pyramid, slots=slots, background_remover=background_remover,
            renderer=renderer,
            signer=UrlSigner(settings.url_secret, allow_short=settings.allow_short_signatures),
            rate_limiter=rate_limiter, metrics=metrics, renders=renders,
            published=published, publisher=publisher, control=control,
        )

    def close(self) -> None:
        self.metrics.close()
        self.renders.close()
        self.cache.close()
        self.renderer.failures.close()
        self.rate_limiter.close()
        if self.database is not None:
            self.database.close()
