"""Splitting a delivery path into signature, transformation, version, id and extension.

``/t/[s--SIG--/]<component>[/<component>...][/v<digits>]/<id>.<ext>``. The signature covers the
transformation and ``<id>.<ext>`` exactly as they stand in the raw request path; the version segment
is a cache buster, outside the signature and ignored by rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imgorigin.errors import BadRequest, NotFound
from imgorigin.security import refuse_proxy_rewrites

_SIGNATURE = re.compile(r"s--[A-Za-z0-9_-]{1,64}--")
_VERSION = re.compile(r"v[0-9]{1,20}")
_ID = re.compile(r"[A-Za-z0-9]{1,64}")
MAX_PATH = 4096


@dataclass(frozen=True)
class DeliveryPath:
    signature: str | None
    transformation: str  # raw, as in the URL
    version: str | None
    image_id: str
    extension: str

    @property
    def to_sign(self) -> str:
        last = f"{self.image_id}.{self.extension}"
        return f"{self.transformation}/{last}" if self.transformation else last


def split(raw_path: str) -> DeliveryPath:
    """``raw_path`` is what follows ``/t/``, still percent-encoded."""
    if len(raw_path) > MAX_PATH:
        raise BadRequest("The URL is too long")
    segments = raw_path.split("/")
    if "" in segments[:-1]:
        # "//" would otherwise vanish from the transformation: two URLs, one signature, one render.
        raise BadRequest("Empty path segment ('//') in the URL")
    refuse_proxy_rewrites(raw_path)
    signature = None
    if segments and _SIGNATURE.fullmatch(segments[0]):
        signature = segments.pop(0)
    if not segments or not segments[-1]:
        raise NotFound("No image in the URL: expected .../<id>.<ext>")
    last = segments.pop()
    image_id, dot, extension = last.rpartition(".")
    if not dot or not extension:
        raise BadRequest(f"The image {last!r} needs an extension that sets the format, such as .jpg or .webp")
    if not _ID.fullmatch(image_id):
        raise NotFound("No such image")
    version = None
    if segments and _VERSION.fullmatch(segments[-1]):
        version = segments.pop()
    return DeliveryPath(signature, "/".join(segments), version, image_id, extension)
