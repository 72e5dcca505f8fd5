"""Cloudinary's delivery layouts next to ``/t/``: ``/<cloud>/image/upload/...``, ``/image/upload/...``
(the account named by ``IMGORIGIN_DEFAULT_CLOUD``) and the same for ``fetch``.

Images are named by the account's public ids, URLs signed with the account's API secrets. Like ``/t/``
this never touches the database: the account's live keys, unsigned policy, named transformations and
public ids come from what the control plane published in the object store (``clouds/state.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from imgorigin.clouds.keys import verify_url_signature
from imgorigin.clouds.plans import AccountPlans
from imgorigin.clouds.policy import check_unsigned, open_brakes
from imgorigin.clouds.state import AccountState, Published
from imgorigin.config import Settings
from imgorigin.delivery.cloudpath import CloudPath, public_id_of
from imgorigin.delivery.routes import IMMUTABLE, Responder
from imgorigin.errors import NotFound
from imgorigin.http.callers import client_key
from imgorigin.services.transformations import Transformations
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.state.rendercount import RenderCounter
from imgorigin.transform.values import OutputFormat, parse_output_format

# Without a version the public id may be overwritten: a day, revalidated by ETag (the storage id is in it).
UNVERSIONED = "public, max-age=86400"
DEFAULT_IMAGE = "public, max-age=60"  # d_: the requested image may appear any moment
log = logging.getLogger("imgorigin.delivery")


def output_format_of(stored_format: str) -> OutputFormat:
    """No extension in the URL: the original's format (one we can write), else PNG."""
    try:
        return parse_output_format(stored_format)
    except ValueError:
        return OutputFormat.PNG


@dataclass(frozen=True)
class CloudLayouts:
    """What the delivery of every account shares on this node: built once, handed to each ``CloudDelivery``."""

    settings: Settings  # key secret, short signatures, unsigned policy and its brakes
    transformations: Transformations
    published: Published  # the accounts' state and public ids, from the object store
    rate_limiter: RateLimiter
    renders: RenderCounter
    responder: Responder


class CloudDelivery(AccountPlans):
    """One request's account over the node's ``CloudLayouts``: its URLs resolved as ``AccountPlans``
    resolves them, checked and served."""

    def __init__(self, layouts: CloudLayouts, cloud: str, account: AccountState) -> None:
        super().__init__(layouts.transformations, layouts.published, cloud, account)
        self.layouts = layouts

    def on_miss(self, request: Request, policy: str | None, image_id: str) -> Callable[[str], None]:
        """What a render on a cache miss must pass first (given the cache key): ``open_brakes`` for an
        unsigned URL under ``open``. It also tells the host's render counter whose image this is, so
        the renders it counts by image are published per account (``clouds/renders.py``)."""
        brakes = None
        if policy == "open":
            brakes = open_brakes(self.layouts.settings, self.layouts.rate_limiter, client_key(request), image_id)

        def miss(cache_key: str) -> None:
            if brakes is not None:
                brakes(cache_key)
            try:
                self.layouts.renders.learn(image_id, self.cloud)
            except Exception as exc:  # a full disk must not fail the render; the count stays by image
                log.warning("could not note the owner of %s: %r", image_id, exc)

        return miss

    def authorize(self, request: Request, url: CloudPath) -> str | None:
        """Check the signature, or the unsigned policy; the policy name when the URL is unsigned."""
        settings = self.layouts.settings
        if url.signature is not None:
            verify_url_signature(settings.key_secret, self.cloud, self.account.api_keys, url.signature, url.to_sign,
                                 settings.allow_short_signatures)
            return None
        limits = self.transformations.limits
        return check_unsigned(settings, self.account, self.presets, limits, url.transformation)

    async def upload(self, request: Request, url: CloudPath) -> Response:
        policy = self.authorize(request, url)
        target = public_id_of(url.rest)
        plan, default_id = await self.plan(url.transformation)
        pointer = await self.pointer(target.public_id)
        cache_control = IMMUTABLE if url.version is not None else UNVERSIONED
        if pointer is None and default_id is not None:
            pointer, cache_control = await self.pointer(default_id), DEFAULT_IMAGE
        if pointer is None:
            raise NotFound("No such image", code="image_not_found")
        extension = parse_output_format(target.extension) if target.extension else output_format_of(pointer.format)
        return await self.layouts.responder.serve(request, pointer.image_id, plan, extension, cache_control,
                                                  self.on_miss(request, policy, pointer.image_id))
