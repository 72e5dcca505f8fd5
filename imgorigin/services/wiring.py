"""The long-lived objects of one worker, built once from the settings and shared by both planes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from imgorigin.clouds.state import Published, Publisher
from imgorigin.config import Settings
from imgorigin.ops.metrics import Metrics, operations_of
from imgorigin.security import UrlSigner
from imgorigin.services.renderer import Renderer
from imgorigin.state.cache import DerivedCache, RateLimiter, RenderCounter
from imgorigin.state.db import Database
from imgorigin.storage import Storage, make_storage
from imgorigin.transform.presets import Presets
from imgorigin.transform.source import configure_libvips


class JobPool(Protocol):
    """The background job pool (``imgorigin.services.eager.EagerWorker``): run with the app, told of new jobs."""

    def notify(self) -> None: ...

    async def run(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    database: Database | None  # None on a render node (IMGORIGIN_ROLE=render): it never opens SQLite
    storage: Storage
    cache: DerivedCache
    renderer: Renderer
    signer: UrlSigner
    rate_limiter: RateLimiter
    presets: Presets
    metrics: Metrics
    renders: RenderCounter
    published: Published  # per-account state for Cloudinary's layouts, read from the object store
    publisher: Publisher  # ... and written there by the control plane
    eager: JobPool | None = None  # set and started by the app (create_app); None when eager is off

    @property
    def db(self) -> Database:
        if self.database is None:
            raise RuntimeError("a render node has no database (IMGORIGIN_ROLE=render)")
        return self.database

    @db.setter
    def db(self, database: Database | None) -> None:
        self.database = database

    @classmethod
    def build(cls, settings: Settings) -> Services:
        configure_libvips(allow_svg=settings.allow_svg)
        storage = make_storage(settings)
        cache = DerivedCache(settings.cache_dir, settings.cache_size, settings.min_free_disk)
        renderer = Renderer(settings, storage, cache)
        metrics = Metrics(settings.state_dir / "metrics", gauges=lambda: {
            "imgorigin_renders_in_flight": renderer.slots.in_flight,
            "imgorigin_renders_queued": renderer.slots.waiting,
        })
        renderer.on_render = lambda plan, fmt, seconds: metrics.render(operations_of(plan), fmt.value, seconds)
        renders = RenderCounter(settings.state_dir / "renders")
        renderer.count_render = renders.count
        published = Published(storage, settings.state_ttl)
        services = cls(
            settings=settings,
            database=Database(settings.db_path) if settings.serves_control else None,
            storage=storage,
            cache=cache,
            renderer=renderer,
            signer=UrlSigner(settings.url_secret, allow_short=settings.allow_short_signatures),
            rate_limiter=RateLimiter(settings.state_dir),
            presets=Presets.load(settings.presets_file),
            metrics=metrics,
            renders=renders,
            published=published,
            publisher=Publisher(storage, settings.data_dir / "tmp", published),
        )
        return services

    def close(self) -> None:
        self.metrics.close()
        self.renders.close()
        self.cache.close()
        self.renderer.failures.close()
        self.rate_limiter.close()
        if self.database is not None:
            self.database.close()
