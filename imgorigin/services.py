"""The long-lived objects of one worker, built once from the settings and shared by both planes."""

from __future__ import annotations

from dataclasses import dataclass

from imgorigin.cache import DerivedCache, RateLimiter
from imgorigin.config import Settings
from imgorigin.db import Database
from imgorigin.renderer import Renderer
from imgorigin.security import UrlSigner
from imgorigin.storage import Storage, make_storage
from imgorigin.transform.presets import Presets
from imgorigin.transform.source import configure_libvips


@dataclass
class Services:
    settings: Settings
    db: Database
    storage: Storage
    cache: DerivedCache
    renderer: Renderer
    signer: UrlSigner
    rate_limiter: RateLimiter
    presets: Presets

    @classmethod
    def build(cls, settings: Settings) -> Services:
        configure_libvips(allow_svg=settings.allow_svg)
        storage = make_storage(settings)
        cache = DerivedCache(settings.cache_dir, settings.cache_size)
        return cls(
            settings=settings,
            db=Database(settings.db_path),
            storage=storage,
            cache=cache,
            renderer=Renderer(settings, storage, cache),
            signer=UrlSigner(settings.url_secret, allow_short=settings.allow_short_signatures),
            rate_limiter=RateLimiter(settings.state_dir),
            presets=Presets.load(settings.presets_file),
        )

    def close(self) -> None:
        self.cache.close()
        self.rate_limiter.close()
