"""Cloudinary's delivery layouts next to ``/t/``: ``/<cloud>/image/upload/...``, ``/image/upload/...``
(the account named by ``IMGORIGIN_DEFAULT_CLOUD``) and the same for ``fetch``.

Images are named by the account's public ids, URLs signed with the account's API secrets. Like ``/t/``
this never touches the database: the account's live keys, unsigned policy, named transformations and
public ids come from what the control plane published in the object store (``clouds/state.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from imgorigin.clouds.keys import verify_url_signature
from imgorigin.clouds.policy import check_unsigned, open_brakes
from imgorigin.clouds.publicids import check_public_id
from imgorigin.clouds.state import AccountState, Pointer
from imgorigin.delivery.cloudpath import EXTENSIONS, CloudPath, public_id_of
from imgorigin.delivery.routes import IMMUTABLE, serve
from imgorigin.errors import BadRequest, InvalidTransformation, NotFound
from imgorigin.http.callers import client_key
from imgorigin.services.wiring import Services
from imgorigin.transform.exprplan import Program
from imgorigin.transform.presets import Preset, Presets
from imgorigin.transform.transformation import Transformation
from imgorigin.transform.values import OutputFormat, parse_output_format

# Without a version the public id may be overwritten: a day, revalidated by ETag (the storage id is in it).
UNVERSIONED = "public, max-age=86400"
DEFAULT_IMAGE = "public, max-age=60"  # d_: the requested image may appear any moment
log = logging.getLogger("imgorigin.delivery")
_IMAGE_LAYER = re.compile(r"^([lu])_(?!text:)(.+)$")


def account_presets(server: Presets, account: AccountState) -> Presets:
    """The server's presets, then the account's named transformations (which win on a name clash)."""
    own = tuple((name, Preset(name, text, name in account.unsigned_names))
                for name, text in account.transformations.items())
    return Presets(server.items + own)


def output_format_of(stored_format: str) -> OutputFormat:
    """No extension in the URL: the original's format (one we can write), else PNG."""
    try:
        return parse_output_format(stored_format)
    except ValueError:
        return OutputFormat.PNG


def _layer_public_id(raw: str) -> str:
    """``samples:animals:cat`` (Cloudinary's overlay and default-image syntax) -> ``samples/animals/cat``."""
    try:
        return check_public_id(unquote(raw, errors="strict").replace(":", "/"))
    except UnicodeDecodeError:
        raise BadRequest("A public id in the transformation is not valid UTF-8", code="invalid_public_id") from None


def split_default(transformation: str) -> tuple[str, str | None]:
    """The transformation without its ``d_<public id>[.<ext>]`` token, and that default's public id."""
    default = None
    components = []
    for component in transformation.split("/") if transformation else []:
        kept = []
        for token in component.split(","):
            if token.startswith("d_"):
                if default is not None:
                    raise InvalidTransformation("d_ may be given only once")
                stem, dot, extension = token[2:].rpartition(".")
                default = _layer_public_id(stem if dot and extension in EXTENSIONS else token[2:])
            else:
                kept.append(token)
        if kept:
            components.append(",".join(kept))
    return "/".join(components), default


class CloudDelivery:
    def __init__(self, services: Services, cloud: str, account: AccountState) -> None:
        self.services = services
        self.cloud = cloud
        self.account = account
        self.presets = account_presets(services.transformations.presets, account)

    async def pointer(self, public_id: str) -> Pointer | None:
        return await anyio.to_thread.run_sync(self.services.published.pointer, self.cloud, public_id)

    async def with_layer_ids(self, transformation: str) -> str:
        """Image overlays and underlays name the account's public ids; the plan draws their storage ids,
        so the cache key changes when an overlay is overwritten."""
        components = []
        for component in transformation.split("/") if transformation else []:
            tokens = []
            for token in component.split(","):
                match = _IMAGE_LAYER.match(token)
                if match is not None:
                    layer = await self.pointer(_layer_public_id(match[2]))
                    if layer is None:
                        raise NotFound(f"No such overlay image: {match[1]}_{match[2]}", code="layer_not_found")
                    token = f"{match[1]}_{layer.image_id}"
                tokens.append(token)
            components.append(",".join(tokens))
        return "/".join(components)

    async def plan(self, transformation: str) -> tuple[Transformation | Program, str | None]:
        """The URL's transformation parsed (named transformations expanded, layers' public ids resolved),
        and the public id of its ``d_`` default image."""
        transformation, default_id = split_default(transformation)
        transformation = await self.with_layer_ids(transformation)
        return self.services.transformations.program(transformation, self.presets), default_id

    def on_miss(self, request: Request, policy: str | None, image_id: str) -> Callable[[str], None]:
        """What a render on a cache miss must pass first (given the cache key): ``open_brakes`` for an
        unsigned URL under ``open``. It also tells the host's render counter whose image this is, so
        the renders it counts by image are published per account (``clouds/renders.py``)."""
        brakes = None
        if policy == "open":
            brakes = open_brakes(self.services.settings, self.services.rate_limiter, client_key(request), image_id)

        def miss(cache_key: str) -> None:
            if brakes is not None:
                brakes(cache_key)
            try:
                self.services.renders.learn(image_id, self.cloud)
            except Exception as exc:  # a full disk must not fail the render; the count stays by image
                log.warning("could not note the owner of %s: %r", image_id, exc)

        return miss

    def authorize(self, request: Request, url: CloudPath) -> str | None:
        """Check the signature, or the unsigned policy; the policy name when the URL is unsigned."""
        settings = self.services.settings
        if url.signature is not None:
            verify_url_signature(settings.key_secret, self.cloud, self.account.api_keys, url.signature, url.to_sign,
                                 settings.allow_short_signatures)
            return None
        limits = self.services.transformations.limits
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
        return await serve(request, self.services, pointer.image_id, plan, extension, cache_control,
                           self.on_miss(request, policy, pointer.image_id))
