"""``GET /capabilities``: what this server can render beyond the core, so clients can offer only that.

The playground disables its background-removal control, with the reason, when the extra or the model is
missing here, instead of letting people meet a 503 on every preview; the CLI refuses files over the upload
limit before sending them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from imgorigin.transform.cutout import BackgroundRemover


def routes(remover: BackgroundRemover, max_upload_bytes: int) -> list[BaseRoute]:
    async def capabilities(request: Request) -> JSONResponse:
        reason = remover.unavailable_reason()
        return JSONResponse({
            "background_removal": {"available": reason is None, "reason": reason, "ready": remover.ready},
            # Clients check a file against it before sending it (the CLI does).
            "max_upload_bytes": max_upload_bytes,
        }, headers={"Cache-Control": "no-store"})

    return [Route("/capabilities", capabilities, methods=["GET"])]
