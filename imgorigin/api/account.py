"""``GET /me`` (who the token belongs to) and ``DELETE /me`` (delete the account and all its images)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imgorigin.accounts import delete_account
from imgorigin.api.common import current_user, in_thread, services_of


async def me(request: Request) -> JSONResponse:
    user = await current_user(request)
    return JSONResponse({"user": user.public()})


async def delete_me(request: Request) -> Response:
    user = await current_user(request)
    await in_thread(delete_account, services_of(request), user.id)
    return Response(status_code=204)


routes = [
    Route("/me", me, methods=["GET"]),
    Route("/me", delete_me, methods=["DELETE"]),
]
