"""The library's search terms (``GET /images?q=&folder=``) and its folders (``GET /folders``)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from imgorigin.api.common import current_user, in_thread, services_of
from imgorigin.clouds.publicids import check_public_id
from imgorigin.errors import BadRequest

MAX_QUERY = 200
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def search_terms(request: Request) -> tuple[str, str]:
    """(text to find in file names and public ids, folder) from the query string, checked."""
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise BadRequest(f"q: at most {MAX_QUERY} characters", code="invalid_query")
    if CONTROL_CHARACTERS.search(query):
        # SQLite would end the LIKE pattern at a NUL: "a\0" would match every image.
        raise BadRequest("q: no control characters", code="invalid_query")
    folder = request.query_params.get("folder", "").strip("/")
    if folder:
        check_public_id(folder, "folder")
    return query, folder


async def folders(request: Request) -> JSONResponse:
    services = services_of(request)
    user = await current_user(request)
    counts = await in_thread(services.db.folders, user.id)
    return JSONResponse({"folders": [{"path": path, "count": count} for path, count in counts.items()]})


routes = [Route("/folders", folders, methods=["GET"])]
