"""Admin API on images: listing (by prefix, by tag), one image, deleting, and folders."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import Links, in_thread
from imgorigin.api.v1_1.answers import resource_json
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds import listing
from imgorigin.clouds.assets import Assets
from imgorigin.clouds.cursors import seal, unseal
from imgorigin.clouds.tags import context_of, tags_of
from imgorigin.errors import BadRequest, NotFound
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord

MAX_RESULTS = 500  # Cloudinary's cap per page
MAX_DELETE = 1000  # per call, as Cloudinary's; more is ``partial`` with a ``next_cursor``
LIST = {"prefix", "tags", "context", "max_results", "next_cursor", "direction", "start_at", "moderations",
        "metadata", "fields", "type"}


def _path_type(request: Request) -> None:
    kind, upload_type = request.path_params.get("resource_type", "image"), request.path_params.get("type", "upload")
    if kind != "image" or upload_type != "upload":
        raise NotFound(f"Unsupported resource type {kind}/{upload_type}: only image/upload", code="not_found")


def _ascending(params: Params) -> bool:
    direction = params.text("direction", "desc").lower()
    if direction not in ("asc", "desc", "1", "-1"):
        raise BadRequest("direction must be asc or desc", code="invalid_parameter")
    return direction in ("asc", "1")


@dataclass(frozen=True)
class ResourceRoutes:
    db: Database
    assets: Assets
    links: Links
    key_secret: str  # seals the folder listing's cursors to the account

    async def _page_json(self, request: Request, caller: Caller, params: Params, page: listing.Page) -> dict[str, Any]:
        ids = [record.id for record in page.records]
        tags = await in_thread(tags_of, self.db, ids) if params.flag("tags", False) else {}
        contexts = await in_thread(context_of, self.db, ids) if params.flag("context", False) else {}
        base = self.links.base(request)
        body: dict[str, Any] = {"resources": [
            resource_json(base, caller.cloud, record, tags=tags.get(record.id), context=contexts.get(record.id),
                          secret=caller.secret)
            for record in page.records
        ]}
        if page.next_cursor:
            body["next_cursor"] = page.next_cursor
        return body

    async def list_resources(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """``GET /resources/image[/upload]``: ``prefix``, ``max_results`` (1-500, 10), ``next_cursor``,
        ``direction``; ``tags=true`` and ``context=true`` add those fields."""
        _path_type(request)
        params.only(LIST)
        if params.text("start_at"):
            raise BadRequest("start_at is not supported; page with next_cursor", code="invalid_parameter")
        page = await in_thread(
            lambda: listing.list_images(
                self.db, caller.user.id, prefix=params.text("prefix"), ascending=_ascending(params),
                limit=params.integer("max_results", 10, 1, MAX_RESULTS), cursor=params.optional("next_cursor"),
            )
        )
        return await self._page_json(request, caller, params, page)

    async def by_tag(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        _path_type(request)
        params.only(LIST - {"prefix", "type"})
        page = await in_thread(
            lambda: listing.list_images(
                self.db, caller.user.id, tag=request.path_params["tag"], ascending=_ascending(params),
                limit=params.integer("max_results", 10, 1, MAX_RESULTS), cursor=params.optional("next_cursor"),
            )
        )
        return await self._page_json(request, caller, params, page)

    async def show(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        _path_type(request)
        params.only({"colors", "exif", "faces", "image_metadata", "pages", "phash", "max_results",
                     "derived_next_cursor", "versions", "coordinates", "quality_analysis", "accessibility_analysis",
                     "media_metadata"})
        record: ImageRecord = await in_thread(self.assets.require, caller.user, request.path_params["public_id"])
        tags = (await in_thread(tags_of, self.db, [record.id]))[record.id]
        context = (await in_thread(context_of, self.db, [record.id]))[record.id]
        body = resource_json(self.links.base(request), caller.cloud, record, tags=tags, context=context,
                             secret=caller.secret)
        body["derived"] = []
        if params.flag("colors", False) and record.colors:
            import json

            body["colors"] = [[c["color"].upper(), round(c["share"] * 100, 1)] for c in json.loads(record.colors)]
        return body

    async def delete(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """``DELETE /resources/image/upload``: ``public_ids[]``, or ``prefix``, or ``all=true``."""
        _path_type(request)
        params.only({"public_ids", "prefix", "all", "keep_original", "invalidate", "next_cursor", "transformations"})
        if params.flag("keep_original", False) or params.text("transformations"):
            raise BadRequest("Deleting only derived images is not supported; they go with their image",
                             code="invalid_parameter")
        public_ids, prefix, everything = params.items("public_ids"), params.text("prefix"), params.flag("all", False)
        if sum((bool(public_ids), bool(prefix), everything)) != 1:
            raise BadRequest("Give exactly one of public_ids, prefix or all=true", code="invalid_parameter")
        if len(public_ids) > MAX_DELETE:
            raise BadRequest(f"public_ids: at most {MAX_DELETE} per call", code="invalid_parameter")
        partial = False
        if not public_ids:
            public_ids = await in_thread(self.assets.public_ids_under, caller.user, prefix, MAX_DELETE + 1)
            partial = len(public_ids) > MAX_DELETE
            public_ids = public_ids[:MAX_DELETE]
        deleted = await in_thread(self.assets.delete_many, caller.user, public_ids)
        counts = {pid: {"original": int(state == "deleted"), "derived": 0} for pid, state in deleted.items()}
        body: dict[str, Any] = {"deleted": deleted, "deleted_counts": counts, "partial": partial}
        if partial:
            body["next_cursor"] = public_ids[-1]  # call again: what is left starts after it
        return body

    def _folder_page(self, caller: Caller, parent: str, limit: int, cursor: str | None) -> dict[str, Any]:
        """One page of the folders under ``parent``; ``next_cursor`` is sealed to the account and the parent.

        One range read of the public ids under ``parent`` gives every folder name, in order: the count, and
        the page after the cursor's name (by bisection, in the same order as SQLite's)."""
        db, user_id = self.db, caller.user.id
        if parent and not listing.folder_exists(db, user_id, parent):
            raise NotFound(f"Can't find folder with path {parent[:255]}", code="folder_not_found")
        scope = f"folders:{user_id}:{parent}"
        names = listing.folders(db, user_id, parent)
        start = bisect_right(names, unseal(self.key_secret, scope, cursor)) if cursor is not None else 0
        page = names[start:start + limit]
        more = start + limit < len(names)
        return {
            "folders": [{"name": name, "path": f"{parent}/{name}" if parent else name} for name in page],
            "next_cursor": seal(self.key_secret, scope, page[-1]) if more else None,
            "total_count": len(names),
        }

    async def folders(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """``GET /folders`` (root folders) and ``GET /folders/<path>`` (its subfolders), by name, ``max_results``
        (1-500, 10) at a time; ``total_count`` counts them all."""
        params.only({"max_results", "next_cursor"})
        parent = request.path_params.get("path", "").strip("/")
        limit = params.integer("max_results", 10, 1, MAX_RESULTS)
        cursor = params.text("next_cursor") if "next_cursor" in params.values else None
        return await in_thread(self._folder_page, caller, parent, limit, cursor)
