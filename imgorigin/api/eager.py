"""How eager derivatives appear in API answers: one entry per job, with its signed URL and state."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from imgorigin.api.common import Links
from imgorigin.state.records import EagerJob


def eager_json(links: Links, request: Request, jobs: list[EagerJob]) -> list[dict[str, Any]]:
    return [
        {
            "transformation": job.transformation,
            "format": job.format,
            "state": job.state,
            "error": job.error,
            "url": links.delivery(request, job.image_id, job.transformation, job.format),
            "updated_at": job.updated_at,
        }
        for job in jobs
    ]
