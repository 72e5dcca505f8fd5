"""Admin API: ``GET /v1_1/<cloud>/usage`` (Cloudinary's report, in its field names) and ``GET /ping``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import in_thread, services_of
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds.listing import account_totals
from imgorigin.clouds.records import images_of
from imgorigin.clouds.renders import total as render_total
from imgorigin.services.wiring import Services


def report(services: Services, caller: Caller) -> dict[str, Any]:
    images, stored = account_totals(services.db, caller.user.id)
    ids = [record.id for record in images_of(services.db, caller.user.id)]
    derived, derived_bytes = services.cache.stored_for(ids)
    renders = render_total(services, caller.cloud, ids)
    quota = services.settings.user_quota
    return {
        "plan": "imgorigin",
        "last_updated": datetime.now(UTC).date().isoformat(),
        "transformations": {"usage": renders},
        "objects": {"usage": images + derived},
        "storage": {"usage": stored + derived_bytes, **({"limit": quota} if quota else {})},
        "resources": images,
        "derived_resources": derived,
        "renders_this_month": renders,
        "media_limits": {"image_max_size_bytes": services.settings.max_upload_bytes,
                         "image_max_px": services.settings.max_source_pixels},
    }


async def usage(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(set())
    return await in_thread(report, services_of(request), caller)


async def ping(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(set())
    return {"status": "ok"}
