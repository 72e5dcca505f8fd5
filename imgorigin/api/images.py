"""``/images``: upload, list, details, transform, download, delete; and ``POST /sign``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from imgorigin.api.common import OUTPUT_EXTENSIONS, Bearer, Links, extension_of, in_thread, int_query, json_body
from imgorigin.api.eager import eager_json
from imgorigin.api.search import search_terms
from imgorigin.api.transform_body import to_transformation
from imgorigin.api.uploads import receive_upload
from imgorigin.config import Settings
from imgorigin.errors import BadRequest, NotFound, TooManyRequests
from imgorigin.security import refuse_proxy_rewrites
from imgorigin.services.library import Library
from imgorigin.services.renderer import Renderer
from imgorigin.services.transformations import Transformations
from imgorigin.services.uploads import Uploads
from imgorigin.state.disk import require_space
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.transform.plan import parse
from imgorigin.transform.values import AutoFormat, OutputFormat, parse_output_format

MAX_LIMIT = 100
MAX_SIGN_ITEMS = 100
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ImageRoutes:
    """The library of the caller's images. Renders (``transform``, converted downloads) go through the
    renderer like delivery's; an upload is stored by ``Uploads``, whose checks take a render slot too."""

    settings: Settings
    bearer: Bearer
    links: Links
    library: Library
    uploads: Uploads
    transformations: Transformations
    renderer: Renderer
    rate_limiter: RateLimiter

    def routes(self) -> list[BaseRoute]:
        # {id:path}: an id may be a public id with folders (samples/animals/cat). The two sub-resources come
        # first; a public id that ends in /transform or /download is still shown and deleted by the last two.
        return [
            Route("/images", self.upload, methods=["POST"]),
            Route("/images", self.list_images, methods=["GET"]),
            Route("/images/{id:path}/transform", self.transform, methods=["POST"]),
            Route("/images/{id:path}/download", self.download, methods=["GET"]),
            Route("/images/{id:path}", self.show_image, methods=["GET"]),
            Route("/images/{id:path}", self.delete, methods=["DELETE"]),
            Route("/sign", self.sign, methods=["POST"]),
        ]

    async def upload(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        settings = self.settings
        # Refused before the body is read: every upload costs a full decode and disk space. Per user only:
        # a migration imports thousands of images, often many accounts behind one office address; anonymous
        # endpoints (sign-up, login, renders) keep their per-address buckets.
        wait = await in_thread(self.rate_limiter.take, f"upload:{user.id}", settings.upload_rate)
        if wait is not None:
            raise TooManyRequests("Too many uploads; retry shortly", retry_after=max(1, round(wait)))
        require_space(settings.data_dir, settings.min_free_disk)
        received = await receive_upload(request, settings.max_upload_bytes, settings.data_dir / "tmp")
        record, eager = await self.uploads.store(user, received.filename, received.path, received.sha256,
                                                 received.fields)
        body = self.links.image_json(request, record)
        if eager is not None:
            body["eager"] = eager_json(self.links, request, eager)
        return JSONResponse(body, status_code=201)

    async def list_images(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        page = int_query(request, "page", 1, 1, 1_000_000)
        limit = int_query(request, "limit", 10, 1, MAX_LIMIT)
        sha256 = request.query_params.get("sha256")
        if sha256 is not None:
            # Lets clients (the CLI) skip files already uploaded without sending their bytes.
            if not SHA256_HEX.fullmatch(sha256):
                raise BadRequest("sha256 must be 64 lowercase hexadecimal characters", code="invalid_query")
            found = await in_thread(self.library.by_hash, user.id, sha256)
            records, total = ([found], 1) if found else ([], 0)
        else:
            search = search_terms(request)
            records, total = await in_thread(self.library.page, user.id, (page - 1) * limit, limit, search.query,
                                             search.folder, search.tag)
        return JSONResponse({
            "items": [self.links.image_json(request, r) for r in records],
            "page": page,
            "limit": limit,
            "total": total,
            "pages": (total + limit - 1) // limit,
        })

    async def show_image(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        record = await in_thread(self.library.get_image, user.id, request.path_params["id"])
        body: dict[str, Any] = self.links.image_json(request, record)
        body["formats"] = {ext: self.links.delivery(request, record.id, "", ext) for ext in OUTPUT_EXTENSIONS}
        body["download"] = f"{self.links.base(request)}/images/{record.id}/download"
        body["eager"] = eager_json(self.links, request, await in_thread(self.library.eager_jobs, record.id))
        return JSONResponse(body)

    async def delete(self, request: Request) -> Response:
        user = await self.bearer.user(request)
        await in_thread(self.library.delete_image, user.id, request.path_params["id"])
        return Response(status_code=204)

    async def transform(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        record = await in_thread(self.library.get_image, user.id, request.path_params["id"])
        body = await json_body(request)
        transformation = to_transformation(body)
        plan = self.transformations.parse_literal(transformation)
        await in_thread(self.library.require_own_layers, user.id, plan)
        # Per user, like uploads: authenticated bulk work behind one address is not one client.
        wait = await in_thread(self.rate_limiter.take, f"transform:{user.id}", self.settings.transform_rate)
        if wait is not None:
            raise TooManyRequests("Too many transform calls; retry shortly", retry_after=max(1, round(wait)))
        # The body's format is the plan's f_; without one, the original's. Under f_auto the URL keeps f_auto
        # (browsers negotiate) and the answer describes the JPEG/PNG fallback, whose extension the URL gets.
        output = plan.output_format(parse_output_format(extension_of(record))) or AutoFormat.OTHER
        derived = await self.renderer.derive(record.id, plan, output)
        width, height = await in_thread(derived.dimensions)
        extension = derived.format.value
        return JSONResponse({
            "id": record.id,
            "transformation": transformation,
            "url": self.links.delivery(request, record.id, transformation, extension),
            "width": width,
            "height": height,
            "format": derived.format.value,
            "bytes": len(derived.data),
        })

    async def download(self, request: Request) -> Response:
        """The original's bytes, or with ``?format=png`` the original converted (metadata stripped)."""
        user = await self.bearer.user(request)
        record = await in_thread(self.library.get_image, user.id, request.path_params["id"])
        requested = request.query_params.get("format")
        stem = record.filename.rsplit(".", 1)[0] or record.id
        if requested is None or requested in (record.format, extension_of(record)):
            blob = await in_thread(self.library.original, record.id)
            if blob is None:
                raise NotFound("No such image", code="image_not_found")
            name = f"{stem}.{extension_of(record)}"
            media = OutputFormat(extension_of(record)).media_type
            if blob.path is not None:
                return FileResponse(blob.path, media_type=media, filename=name)
            disposition = f'attachment; filename="{record.id}.{extension_of(record)}"'
            return Response(blob.data, media_type=media, headers={"Content-Disposition": disposition})
        try:
            fmt = parse_output_format(requested)
        except ValueError:
            raise BadRequest("format must be one of " + ", ".join(OUTPUT_EXTENSIONS), code="invalid_query") from None
        derived = await self.renderer.derive(record.id, parse(""), fmt)
        return Response(
            derived.data, media_type=fmt.media_type,
            headers={"Content-Disposition": f'attachment; filename="{record.id}.{fmt.value}"'},
        )

    async def sign(self, request: Request) -> JSONResponse:
        """Signed URLs for many (id, transformation, format) of the caller's images at once."""
        user = await self.bearer.user(request)
        body = await json_body(request)
        items = body.get("items")
        if not isinstance(items, list) or not items or len(items) > MAX_SIGN_ITEMS:
            raise BadRequest(f"items: expected a list of 1 to {MAX_SIGN_ITEMS} objects", code="invalid_sign_body")
        answers = []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise BadRequest(f"items[{index}].id: expected an image id", code="invalid_sign_body")
            transformation = item.get("transformation", "")
            if not isinstance(transformation, str):
                raise BadRequest(f"items[{index}].transformation: expected a string", code="invalid_sign_body")
            try:
                refuse_proxy_rewrites(transformation)
                plan = self.transformations.program(transformation)
            except BadRequest as exc:
                raise BadRequest(f"items[{index}].transformation: {exc.message}",
                                 code="invalid_transformation") from None
            await in_thread(self.library.require_own_layers, user.id, plan)
            record = await in_thread(self.library.find, user.id, item["id"])
            if record is None:
                raise NotFound(f"items[{index}].id: no such image", code="image_not_found")
            fmt = item.get("format", extension_of(record))
            try:
                extension = parse_output_format(fmt).value if isinstance(fmt, str) else None
            except ValueError:
                extension = None
            if extension is None:
                raise BadRequest(
                    f"items[{index}].format: expected one of {', '.join(OUTPUT_EXTENSIONS)}", code="invalid_sign_body"
                )
            answers.append({
                "id": record.id, "transformation": transformation, "format": extension,
                "url": self.links.delivery(request, record.id, transformation, extension),
            })
        return JSONResponse({"items": answers})
