"""An upload through Cloudinary's Upload API: where the bytes come from, the options, and what follows.

The bytes arrive as a multipart file part, a base64 ``data:`` URI, or a remote ``http(s)`` URL fetched
under the fetch allow-list and its SSRF rules (``clouds/remote.py``). With ``format`` the image is
converted before it is stored (the stored original is then in that format, as on Cloudinary). After the
image is stored under its public id, its tags and context are written and its eager derivatives rendered
(or queued, with ``eager_async``), and they become servable unsigned under the account's ``allowlist``
policy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from imgorigin.blob import Blob
from imgorigin.clouds.publicids import Naming
from imgorigin.clouds.remote import spool
from imgorigin.clouds.tags import parse_context, parse_tags, set_context, set_tags
from imgorigin.config import Settings
from imgorigin.errors import BadRequest, ImgOriginError, PayloadTooLarge
from imgorigin.services.library import Library
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, read_header
from imgorigin.transform.values import parse_output_format

_DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[\w.-]+)*);base64,", re.ASCII)


@dataclass(frozen=True)
class Received:
    path: Path  # spooled bytes, consumed by ``store``
    filename: str
    sha256: str


def spool_bytes(data: bytes, spool_dir: Path) -> Path:
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=spool_dir, prefix="upload-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return Path(name)


def from_data_uri(text: str, limit: int, spool_dir: Path) -> Received:
    """A ``data:image/png;base64,...`` URI (what the SDKs send for a Data URI ``file``)."""
    match = _DATA_URI.match(text)
    if match is None:
        raise BadRequest("Invalid file: a data URI must be data:<type>;base64,<data>", code="invalid_file")
    payload = re.sub(r"\s+", "", text[match.end():])
    if len(payload) * 3 // 4 > limit:
        raise PayloadTooLarge(f"File size too large. Maximum is {limit}.", code="upload_too_large")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("Invalid file: the data URI is not valid base64", code="invalid_file") from None
    return Received(spool_bytes(data, spool_dir), "file", hashlib.sha256(data).hexdigest())


def from_url(settings: Settings, url: str) -> Received:
    """A remote image (``file=https://...``): only from ``IMGORIGIN_FETCH_ALLOWED_HOSTS``, through the
    fetcher's SSRF rules (one pinned resolution, no private addresses unless listed exactly, redirects
    re-checked), within the upload's size cap and the fetch time limit."""
    try:
        limit = min(settings.fetch_max_bytes, settings.max_upload_bytes)
        path, digest = spool(url, settings.fetch_allowed_hosts, settings.data_dir / "tmp", "upload-", limit,
                             settings.fetch_timeout)
    except ImgOriginError as exc:
        if exc.status in (403, 413):  # not allowed, too large: as they are
            raise
        # Cloudinary's wording, and a 400: the SDKs must not raise NotFound for the asset being uploaded.
        raise BadRequest(f"Error in loading {url[:2048]} - {exc.message}", code="remote_fetch_failed",
                         detail=exc.detail) from None
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return Received(path, name or "file", digest)


@dataclass(frozen=True)
class Options:
    """The upload's options once the preset is applied (Cloudinary's parameter names)."""

    naming: Naming
    tags: list[str]
    context: dict[str, str]
    fmt: str

    @classmethod
    def parse(cls, values: dict[str, str | list[str]]) -> Options:
        def text(name: str) -> str:
            value = values.get(name, "")
            if isinstance(value, list):
                raise BadRequest(f"{name} must be a single value, not a list", code="invalid_parameter")
            return value

        tags_value = values.get("tags", [])
        tags = parse_tags(tags_value if isinstance(tags_value, list) else [tags_value])
        naming = Naming.from_fields({k: text(k) for k in
                                     ("public_id", "folder", "overwrite", "unique_filename", "use_filename")})
        return cls(naming, tags, parse_context(text("context")), text("format").strip().lower())


@dataclass(frozen=True)
class UploadStore:
    """Where an Upload API upload goes: re-encoded when asked (in a render slot, under the source limits),
    then into the library, then its tags and context."""

    db: Database
    library: Library
    source_limits: SourceLimits
    limits: Limits
    render_timeout: float

    def convert(self, received: Received, fmt: str) -> Received:
        """The upload re-encoded to ``fmt`` (``format=png``) before it is stored; runs in a render slot."""
        try:
            output = parse_output_format(fmt)
        except ValueError:
            raise BadRequest(f"Invalid format {fmt[:16]!r}: expected jpg, png, webp, avif, gif or tiff",
                             code="invalid_format") from None
        blob = Blob(path=received.path)
        header = read_header(blob, self.source_limits)
        rendered = render(blob, header, parse(""), output, self.limits,
                          timeout=self.render_timeout)
        received.path.unlink(missing_ok=True)
        stem = received.filename.rsplit(".", 1)[0] if "." in received.filename else received.filename
        return Received(spool_bytes(rendered.data, received.path.parent), f"{stem}.{output.value}",
                        hashlib.sha256(rendered.data).hexdigest())

    def store(self, user_id: int, received: Received, options: Options) -> ImageRecord:
        """Convert if asked, store under the chosen public id, then tags and context (in a worker thread)."""
        try:
            if options.fmt:
                received = self.convert(received, options.fmt)
            record = self.library.store_upload(user_id, received.filename, received.path, received.sha256,
                                               options.naming)
        finally:
            received.path.unlink(missing_ok=True)
        set_tags(self.db, record.id, options.tags)
        set_context(self.db, record.id, options.context)
        return record
