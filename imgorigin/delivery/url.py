"""Splitting a delivery path into signature, transformation, version, id and extension.

``/t/[s--SIG--/]<component>[/<component>...][/v<digits>]/<id>.<ext>``. The signature covers the
transformation and ``<id>.<ext>`` exactly as they stand in the raw request path; the version segment
is a cache buster, outside the signature and ignored by rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from imgorigin.errors import BadRequest, NotFound

_SIGNATURE = re.compile(r"s--[A-Za-z0-9_-]{1,64}--")
_VERSION = re.compile(r"v[0-9]{1,20}")
_ID = re.compile(r"[A-Za-z0-9]{1,64}")
MAX_PATH = 4096
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|5c)", re.IGNORECASE)
_TEXT_LAYER = re.compile(r"^[lu]_text:")
_SEPARATORS = re.compile(r"[/\\]")


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


def refuse_proxy_rewrites(path: str) -> None:
    """Refuse what a proxy in front may decode and resolve before it keys its cache.

    The signature covers the raw bytes; a cache that decodes ``%2F`` and resolves ``..`` (nginx's
    ``$uri``, some CDNs) would file one signed URL under another's key. Cloudinary's grammar needs an
    encoded ``/`` only in the text of a text layer, where it may stay, unless decoding it once makes an
    empty, ``.`` or ``..`` segment; ``%252F`` (Cloudinary's double escape) is always safe.
    """
    if "\\" in path:
        raise BadRequest("A backslash in the URL: browsers turn it into '/'; in a text layer write it as %255C")
    for segment in path.split("/"):
        if not _ENCODED_SEPARATOR.search(segment):
            if unquote(segment) in {".", ".."}:
                raise BadRequest("A '.' or '..' segment in the URL (proxies resolve it)")
            continue
        if any(_ENCODED_SEPARATOR.search(param) and not _TEXT_LAYER.match(param) for param in segment.split(",")):
            raise BadRequest("An encoded '/' or '\\' (%2F, %5C) belongs only in the text of a text layer")
        if any(part in {"", ".", ".."} for part in _SEPARATORS.split(unquote(segment))):
            raise BadRequest(
                "Once %2F is decoded, this text layer makes an empty, '.' or '..' path segment that "
                "proxies rewrite: escape '/' in text as %252F"
            )
