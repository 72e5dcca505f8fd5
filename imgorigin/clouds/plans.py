"""An account's transformation string resolved into a plan: the one way for its delivery URLs
(``delivery/cloud.py``) and its eager derivatives (``clouds/eager.py``), so both meet in the cache.

The account's named transformations (``t_<name>``) expand after the server's presets, image overlays
and underlays (``l_``/``u_``) name its public ids and draw their storage ids, and a ``d_`` default
image is taken out and named. Everything is read from what the control plane published in the object
store (``clouds/state.py``), never from the database, so a render node resolves alone.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import anyio.to_thread

from imgorigin.clouds.publicids import EXTENSIONS, check_public_id
from imgorigin.clouds.state import AccountState, Pointer, Published
from imgorigin.errors import BadRequest, InvalidTransformation, NotFound
from imgorigin.services.transformations import Transformations
from imgorigin.transform.exprplan import Program
from imgorigin.transform.presets import Preset, Presets
from imgorigin.transform.transformation import Transformation

_IMAGE_LAYER = re.compile(r"^([lu])_(?!text:)(.+)$")


def account_presets(server: Presets, account: AccountState) -> Presets:
    """The server's presets, then the account's named transformations (which win on a name clash)."""
    own = tuple((name, Preset(name, text, name in account.unsigned_names))
                for name, text in account.transformations.items())
    return Presets(server.items + own)


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


class AccountPlans:
    """The transformations of one account (``cloud``, as published in ``account``) made into plans."""

    def __init__(self, transformations: Transformations, published: Published, cloud: str,
                 account: AccountState) -> None:
        self.transformations = transformations
        self.published = published  # the account's public ids, from the object store
        self.cloud = cloud
        self.account = account
        self.presets = account_presets(transformations.presets, account)

    async def pointer(self, public_id: str) -> Pointer | None:
        return await anyio.to_thread.run_sync(self.published.pointer, self.cloud, public_id)

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
        """The transformation parsed (named transformations expanded, layers' public ids resolved), and
        the public id of its ``d_`` default image."""
        transformation, default_id = split_default(transformation)
        transformation = await self.with_layer_ids(transformation)
        return self.transformations.program(transformation, self.presets), default_id
