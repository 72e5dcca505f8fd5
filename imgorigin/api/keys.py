"""``/me/api-keys``: the account's Cloudinary credentials (its cloud name is its username).

``POST`` creates a key and answers its secret once (201 ``{"api_key", "api_secret", "cloud_name"}``);
``GET`` lists the keys without secrets; ``DELETE /me/api-keys/{api_key}`` revokes one. Several keys may
be live at once, so a site rotates by creating the new key, deploying it, then deleting the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from imgorigin.api.common import Bearer, in_thread
from imgorigin.clouds import records
from imgorigin.clouds.accounts import create_api_key, revoke_api_key
from imgorigin.clouds.keys import is_api_key
from imgorigin.clouds.state import Publisher
from imgorigin.errors import NotFound
from imgorigin.state.db import Database


@dataclass(frozen=True)
class KeyRoutes:
    db: Database
    bearer: Bearer
    publisher: Publisher
    key_secret: str  # API secrets are derived from it, never stored

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/me/api-keys", self.create_key, methods=["POST"]),
            Route("/me/api-keys", self.list_keys, methods=["GET"]),
            Route("/me/api-keys/{api_key}", self.delete_key, methods=["DELETE"]),
        ]

    async def create_key(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        api_key, secret = await in_thread(create_api_key, self.db, self.publisher, self.key_secret, user)
        return JSONResponse({"api_key": api_key, "api_secret": secret, "cloud_name": user.username},
                            status_code=201, headers={"Cache-Control": "no-store"})

    async def list_keys(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        keys = await in_thread(records.keys_of, self.db, user.id)
        return JSONResponse({
            "cloud_name": user.username,
            "items": [{"api_key": key.api_key, "created_at": key.created_at} for key in keys],
        })

    async def delete_key(self, request: Request) -> Response:
        user = await self.bearer.user(request)
        api_key = request.path_params["api_key"]
        if not is_api_key(api_key):
            raise NotFound("No such API key", code="api_key_not_found")
        await in_thread(revoke_api_key, self.db, self.publisher, user, api_key)
        return Response(status_code=204)
