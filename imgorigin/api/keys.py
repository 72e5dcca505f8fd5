"""``/me/api-keys``: the account's Cloudinary credentials (its cloud name is its username).

``POST`` creates a key and answers its secret once (201 ``{"api_key", "api_secret", "cloud_name"}``);
``GET`` lists the keys without secrets; ``DELETE /me/api-keys/{api_key}`` revokes one. Several keys may
be live at once, so a site rotates by creating the new key, deploying it, then deleting the old one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imgorigin.api.common import current_user, in_thread, services_of
from imgorigin.clouds import records
from imgorigin.clouds.accounts import create_api_key, revoke_api_key
from imgorigin.clouds.keys import is_api_key
from imgorigin.errors import NotFound


async def create_key(request: Request) -> JSONResponse:
    services = services_of(request)
    user = await current_user(request)
    api_key, secret = await in_thread(create_api_key, services, user)
    return JSONResponse({"api_key": api_key, "api_secret": secret, "cloud_name": user.username},
                        status_code=201, headers={"Cache-Control": "no-store"})


async def list_keys(request: Request) -> JSONResponse:
    services = services_of(request)
    user = await current_user(request)
    keys = await in_thread(records.keys_of, services.db, user.id)
    return JSONResponse({
        "cloud_name": user.username,
        "items": [{"api_key": key.api_key, "created_at": key.created_at} for key in keys],
    })


async def delete_key(request: Request) -> Response:
    services = services_of(request)
    user = await current_user(request)
    api_key = request.path_params["api_key"]
    if not is_api_key(api_key):
        raise NotFound("No such API key", code="api_key_not_found")
    await in_thread(revoke_api_key, services, user, api_key)
    return Response(status_code=204)


routes = [
    Route("/me/api-keys", create_key, methods=["POST"]),
    Route("/me/api-keys", list_keys, methods=["GET"]),
    Route("/me/api-keys/{api_key}", delete_key, methods=["DELETE"]),
]
