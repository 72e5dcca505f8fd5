"""Uploads from a remote URL (``file=https://...``): fetched under the fetch allow-list and SSRF rules."""

from __future__ import annotations

from imgorigin.clouds.uploads import Received
from imgorigin.errors import Forbidden
from imgorigin.services import Services


async def fetch_to_spool(services: Services, url: str) -> Received:
    raise Forbidden("Remote URLs are fetched only from hosts in IMGORIGIN_FETCH_ALLOWED_HOSTS",
                    code="fetch_not_allowed")
