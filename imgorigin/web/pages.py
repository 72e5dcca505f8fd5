"""The pages people open in a browser: the playground at ``/``, the API reference at ``/docs``.

Plain HTML, ES modules and CSS from ``imgorigin/web/``, no build step; the strict CSP set by
``SecurityHeaders`` applies, so the pages carry no inline script or style.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from imgorigin.http.hints import ACCEPT_CH

WEB_DIR = Path(__file__).parent


class RevalidatedStaticFiles(StaticFiles):
    """Unversioned file names, so browsers revalidate (a cheap 304 by ETag) instead of guessing a lifetime."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def _page(name: str) -> FileResponse:
    # Accept-CH: browsers then send client hints with the page's images, so w_auto and dpr_auto can use them.
    return FileResponse(
        WEB_DIR / name, media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache", "Accept-CH": ACCEPT_CH},
    )


async def playground(request: Request) -> Response:
    return _page("index.html")


async def api_reference(request: Request) -> Response:
    return _page("docs.html")


routes: list[BaseRoute] = [
    Route("/", playground, methods=["GET", "HEAD"], include_in_schema=False),
    Route("/docs", api_reference, methods=["GET", "HEAD"], include_in_schema=False),
    Mount("/static", RevalidatedStaticFiles(directory=WEB_DIR), name="static"),
]
