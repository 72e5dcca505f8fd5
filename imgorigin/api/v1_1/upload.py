"""``POST /v1_1/<cloud>/image/upload`` (and ``/auto/upload``), and ``/image/download`` of an original."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from imgorigin.api.common import Links, extension_of, in_thread
from imgorigin.api.v1_1.answers import asset_url, resource_json, url_pair
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds.eager import CloudEager, Derivative
from imgorigin.clouds.records import image_by_public_id
from imgorigin.clouds.upload_presets import UploadPreset
from imgorigin.clouds.uploads import Options, Received, UploadStore, from_data_uri, from_url
from imgorigin.config import Settings
from imgorigin.errors import BadRequest, NotFound, TooManyRequests
from imgorigin.http.callers import client_key
from imgorigin.services.library import Library
from imgorigin.services.renderer import Renderer
from imgorigin.services.slots import RenderSlots
from imgorigin.services.uploads import check_quota
from imgorigin.state.db import Database
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.state.records import ImageRecord
from imgorigin.transform.values import OutputFormat, parse_output_format

SIGNED = {"api_key", "signature", "timestamp", "signature_algorithm", "upload_preset", "type", "resource_type",
          "cloud_name"}
UPLOAD = SIGNED | {"file", "public_id", "folder", "overwrite", "unique_filename", "use_filename", "tags", "context",
                   "eager", "eager_async", "invalidate", "format", "filename_override"}


def check_type(params: Params) -> None:
    """Only ``type=upload`` exists here (Cloudinary's default); private and authenticated do not."""
    if params.text("type", "upload") != "upload":
        raise BadRequest(f"Unsupported type {params.text('type')[:32]!r}: only upload", code="invalid_type")


def eager_json(base: str, caller: Caller, record: ImageRecord, items: list[Derivative]) -> list[dict[str, Any]]:
    answer = []
    for item in items:
        url = asset_url(base, caller.cloud, str(record.public_id), int(record.version or 1), item.extension,
                        item.transformation, caller.secret)
        entry: dict[str, Any] = {"transformation": item.transformation, "format": item.extension}
        if item.width is None:
            entry["status"] = "processing"  # queued: eager_async, or the node was busy
        else:
            entry.update(width=item.width, height=item.height, bytes=item.bytes)
        answer.append({**entry, **url_pair(url)})
    return answer


def _stem(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


@dataclass(frozen=True)
class UploadRoutes:
    """Upload API uploads (the file's bytes, a data URI or an allowed URL) and downloads of originals."""

    settings: Settings
    db: Database
    library: Library
    uploads: UploadStore
    eager: CloudEager
    renderer: Renderer
    slots: RenderSlots
    rate_limiter: RateLimiter
    links: Links

    async def _receive(self, params: Params) -> Received:
        settings = self.settings
        if params.file is not None:
            name = params.text("filename_override") or params.file.filename
            return Received(params.file.path, name, params.file.sha256)
        source = params.text("file")
        if not source:
            raise BadRequest("Missing required parameter - file", code="missing_file")
        if source.startswith("data:"):
            return await in_thread(from_data_uri, source, settings.max_upload_bytes, settings.data_dir / "tmp")
        if source.startswith(("http://", "https://")):
            return await in_thread(from_url, settings, source)
        raise BadRequest("Invalid file: expected the image's bytes, a data URI or an http(s) URL", code="invalid_file")

    async def upload(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        settings = self.settings
        params.only(UPLOAD)
        check_type(params)
        # Per account, like POST /images; an unsigned upload (a preset marked unsigned) is anyone's, so it
        # also counts against the sender's network.
        buckets = [f"upload:{caller.user.id}"]
        if caller.api_key is None:
            buckets.append(f"upload-ip:{client_key(request)}")
        for bucket in buckets:
            wait = await in_thread(self.rate_limiter.take, bucket, settings.upload_rate)
            if wait is not None:
                raise TooManyRequests("Too many uploads; retry shortly", retry_after=max(1, round(wait)))
        preset: UploadPreset | None = request.state.preset
        given = {k: v for k, v in params.values.items() if k not in SIGNED and k != "file"}
        effective = Params(preset.options_for(given, unsigned_call=caller.api_key is None) if preset else given)
        options = Options.parse(effective.values)
        eager = await self.eager.prepare(caller.user, effective.text("eager"))
        asynchronous = effective.flag("eager_async", False)
        effective.flag("invalidate", False)  # always in effect (docs/migration.md), but it must be a boolean
        received = await self._receive(params)
        try:
            await check_quota(self.db, caller.user.id, received.path.stat().st_size, settings.user_quota)
            record = await self.slots.run(self.uploads.store, caller.user.id, received, options)
        finally:
            received.path.unlink(missing_ok=True)
        body = resource_json(self.links.base(request), caller.cloud, record, tags=options.tags, context=options.context,
                             secret=caller.secret, algorithm=caller.algorithm, signed=True)
        if eager:
            items = await self.eager.derive(caller.user, record, eager, asynchronous=asynchronous)
            body["eager"] = eager_json(self.links.base(request), caller, record, items)
        return body

    async def download(self, request: Request, caller: Caller, params: Params) -> Response:
        """The stored original as uploaded (Cloudinary's ``private_download_url``); with a ``format`` other
        than the stored one, the original converted to it."""
        params.only(SIGNED | {"public_id", "format", "attachment", "expires_at", "mode"})
        check_type(params)
        if params.text("expires_at") and params.integer("expires_at", 0, 0, 10**11) < time.time():
            raise BadRequest("This download URL has expired (expires_at)", code="expired")
        public_id = params.text("public_id")
        record = await in_thread(image_by_public_id, self.db, caller.user.id, public_id) if public_id else None
        if record is None:
            raise NotFound(f"Resource not found - {public_id[:255]}", code="resource_not_found")
        extension = extension_of(record)
        wanted = params.text("format") or extension
        disposition = {"Content-Disposition": f'attachment; filename="{_stem(public_id) or "image"}.{wanted}"'} \
            if params.flag("attachment", False) else {}
        if wanted in (extension, record.format):
            blob = await in_thread(self.library.original, record.id)
            if blob is None:
                raise NotFound(f"Resource not found - {public_id[:255]}", code="resource_not_found")
            data = await in_thread(blob.read_bytes)
            return Response(data, media_type=OutputFormat(extension).media_type, headers=disposition)
        try:
            fmt = parse_output_format(wanted)
        except ValueError:
            raise BadRequest(f"Invalid format {wanted[:16]!r}", code="invalid_format") from None
        from imgorigin.transform.plan import parse

        derived = await self.renderer.derive(record.id, parse(""), fmt)
        return Response(derived.data, media_type=fmt.media_type, headers=disposition)
