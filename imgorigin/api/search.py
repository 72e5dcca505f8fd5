"""The library's search terms (``GET /images?q=&folder=&tag=``), its folders (``GET /folders``) and its
tags (``GET /tags``: those set through the Upload API and its ``tags`` call)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from imgorigin.api.common import Bearer, in_thread
from imgorigin.clouds.publicids import check_public_id
from imgorigin.clouds.tags import MAX_TAG
from imgorigin.errors import BadRequest
from imgorigin.state.db import Database

MAX_QUERY = 200
MAX_TAG_LIST = 1000  # the tags the playground offers, by name
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Search:
    query: str = ""  # in file names and public ids (any case), or an id
    folder: str = ""  # public ids in it or below
    tag: str = ""  # exactly this tag (case-sensitive)


def search_terms(request: Request) -> Search:
    """The library's search from the query string, checked."""
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise BadRequest(f"q: at most {MAX_QUERY} characters", code="invalid_query")
    if CONTROL_CHARACTERS.search(query):
        # SQLite would end the LIKE pattern at a NUL: "a\0" would match every image.
        raise BadRequest("q: no control characters", code="invalid_query")
    folder = request.query_params.get("folder", "").strip("/")
    if folder:
        check_public_id(folder, "folder")
    tag = request.query_params.get("tag", "")
    if tag and (len(tag) > MAX_TAG or not tag.isprintable() or "," in tag or tag != tag.strip()):
        raise BadRequest(f"tag: a tag is 1-{MAX_TAG} printable characters, without commas or surrounding spaces",
                         code="invalid_query")
    return Search(query, folder, tag)


@dataclass(frozen=True)
class SearchRoutes:
    """The names the library is searched by: its folders and its tags."""

    db: Database
    bearer: Bearer

    def routes(self) -> list[BaseRoute]:
        return [Route("/folders", self.folders, methods=["GET"]), Route("/tags", self.tags, methods=["GET"])]

    async def folders(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        counts = await in_thread(self.db.folders, user.id)
        return JSONResponse({"folders": [{"path": path, "count": count} for path, count in counts.items()]})

    async def tags(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        counts = await in_thread(self.db.tags, user.id, MAX_TAG_LIST)
        return JSONResponse({"tags": [{"tag": tag, "count": count} for tag, count in counts.items()]})
