"""Admin API: ``GET /v1_1/<cloud>/usage`` (Cloudinary's report, in its field names) and ``GET /ping``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import in_thread
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds.listing import account_totals
from imgorigin.clouds.records import images_of
from imgorigin.clouds.renders import total as render_total
from imgorigin.config import Settings
from imgorigin.state.cache import DerivedCache
from imgorigin.state.db import Database
from imgorigin.state.rendercount import RenderCounter
from imgorigin.storage import Storage


@dataclass(frozen=True)
class UsageRoutes:
    """The account's usage: its rows, its derivatives in this host's cache, every node's render counts."""

    settings: Settings
    db: Database
    cache: DerivedCache
    renders: RenderCounter
    storage: Storage  # where the other nodes publish their counts

    def report(self, caller: Caller) -> dict[str, Any]:
        images, stored = account_totals(self.db, caller.user.id)
        ids = [record.id for record in images_of(self.db, caller.user.id)]
        derived, derived_bytes = self.cache.stored_for(ids)
        renders = render_total(self.renders, self.storage, caller.cloud, ids)
        quota = self.settings.user_quota
        return {
            "plan": "imgorigin",
            "last_updated": datetime.now(UTC).date().isoformat(),
            "transformations": {"usage": renders},
            "objects": {"usage": images + derived},
            "storage": {"usage": stored + derived_bytes, **({"limit": quota} if quota else {})},
            "resources": images,
            "derived_resources": derived,
            "renders_this_month": renders,
            "media_limits": {"image_max_size_bytes": self.settings.max_upload_bytes,
                             "image_max_px": self.settings.max_source_pixels},
        }

    async def usage(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(set())
        return await in_thread(self.report, caller)

    async def ping(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(set())
        return {"status": "ok"}
