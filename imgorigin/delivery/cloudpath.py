"""Splitting Cloudinary's layouts: ``/[<cloud>/]image/<type>/[s--SIG--/][<components>/][v<digits>/]<rest>``.

For ``upload``, ``<rest>`` is a public id (folders with ``/``) with an optional extension; Cloudinary's
SDKs percent-encode everything but ``A-Za-z0-9_.-/:``. Where the transformation ends: at a version
segment if there is one (the SDKs insert ``v1`` before folder ids for this reason), else after the
leading segments that are made only of known parameters (``w_300,c_fill``, ``t_thumb``, ``d_x.png``).
The signature covers ``<components>/<rest>`` exactly as in the raw path, the version excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from imgorigin.clouds.publicids import EXTENSIONS, check_public_id
from imgorigin.errors import BadRequest, NotFound
from imgorigin.transform.params import PARAMS

_SIGNATURE = re.compile(r"^s--[A-Za-z0-9_-]{1,64}--$")
_VERSION = re.compile(r"^v\d{1,20}$")
_TOKEN = re.compile(r"^([a-z]{1,3}|\$[a-zA-Z][a-zA-Z0-9]{0,31})_")
_COMPONENT_KEYS = {*PARAMS, "t", "d", "if"}  # t_: named transformation; d_: default image; if_: a condition
MAX_PATH = 4096
_LAYOUT = re.compile(r"^/(?:([^/]+)/)?image/(upload|fetch)/(.*)$", re.DOTALL)


@dataclass(frozen=True)
class CloudPath:
    cloud: str | None  # None: the /image/... layout of IMGORIGIN_DEFAULT_CLOUD
    delivery_type: str  # upload or fetch
    signature: str | None
    transformation: str  # raw, as in the URL
    version: str | None
    rest: str  # raw: the public id and its extension, or the remote URL

    @property
    def to_sign(self) -> str:
        return f"{self.transformation}/{self.rest}" if self.transformation else self.rest


@dataclass(frozen=True)
class PublicIdPath:
    public_id: str  # decoded
    extension: str | None


def layout_of(path: str) -> bool:
    """Whether a (decoded) request path is one of Cloudinary's delivery layouts."""
    return _LAYOUT.match(path) is not None


def _looks_like_component(segment: str) -> bool:
    for token in segment.split(","):
        match = _TOKEN.match(token)
        if match is None or (match[1] not in _COMPONENT_KEYS and not match[1].startswith("$")):
            return False
    return True


def split_cloud_path(raw_path: str) -> CloudPath:
    """``raw_path`` is the request's path, still percent-encoded."""
    if len(raw_path) > MAX_PATH:
        raise BadRequest("The URL is too long")
    match = _LAYOUT.match(raw_path)
    if match is None:
        raise NotFound("Not found")
    cloud_raw, delivery_type, rest = match.groups()
    cloud = None
    if cloud_raw is not None:
        cloud = unquote(cloud_raw, errors="replace")
    segments = rest.split("/")
    signature = segments.pop(0) if segments and _SIGNATURE.match(segments[0]) else None
    if delivery_type == "fetch":
        return _fetch_path(cloud, signature, segments)
    if not segments or not segments[-1]:
        raise NotFound("No image in the URL: expected .../<public id>[.<ext>]")
    if "" in segments:
        raise BadRequest("Empty path segment ('//') in the URL")
    version_at = next((i for i, s in enumerate(segments[:-1]) if _VERSION.match(s)), None)
    if version_at is not None:
        components, version, tail = segments[:version_at], segments[version_at], segments[version_at + 1:]
    else:
        count = 0
        while count < len(segments) - 1 and _looks_like_component(segments[count]):
            count += 1
        components, version, tail = segments[:count], None, segments[count:]
    return CloudPath(cloud, delivery_type, signature, "/".join(components), version, "/".join(tail))


def _fetch_path(cloud: str | None, signature: str | None, segments: list[str]) -> CloudPath:
    """The remote URL starts at the first segment that is not a component (``https:`` or ``http:``)."""
    count = 0
    while count < len(segments) and _looks_like_component(segments[count]):
        count += 1
    components, tail = segments[:count], segments[count:]
    version = None
    if tail and _VERSION.match(tail[0]) and len(tail) > 1:
        version, tail = tail[0], tail[1:]
    if not tail or not "/".join(tail):
        raise BadRequest("No remote URL in the fetch URL: expected .../image/fetch/[<transformations>/]<URL>")
    return CloudPath(cloud, "fetch", signature, "/".join(components), version, "/".join(tail))


def public_id_of(rest: str) -> PublicIdPath:
    """The decoded public id and the extension (None when the URL has none) of an upload URL's ``rest``."""
    stem, dot, extension = rest.rpartition(".")
    if not dot or extension not in EXTENSIONS or "/" in extension:
        stem, extension = rest, ""
    if re.search(r"%2[fF]|%5[cC]", stem):
        raise BadRequest("An encoded '/' or '\\' in a public id is not allowed", code="invalid_public_id")
    try:
        public_id = unquote(stem, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("The public id is not valid UTF-8 once decoded", code="invalid_public_id") from None
    check_public_id(public_id)
    return PublicIdPath(public_id, extension or None)
