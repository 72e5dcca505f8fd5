"""The caller's own account: who it is, its password, its tokens, deleting it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from imgorigin.api.auth import token_answer
from imgorigin.api.common import Bearer, in_thread, json_body
from imgorigin.config import Settings
from imgorigin.errors import BadRequest
from imgorigin.security import check_password_rules
from imgorigin.services.accounts import Accounts


@dataclass(frozen=True)
class AccountRoutes:
    settings: Settings
    bearer: Bearer
    accounts: Accounts

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/me", self.me, methods=["GET"]),
            Route("/me", self.delete_me, methods=["DELETE"]),
            Route("/me/password", self.change_password, methods=["POST"]),
            Route("/me/logout-everywhere", self.logout_everywhere, methods=["POST"]),
        ]

    async def me(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        return JSONResponse({"user": user.public()})

    async def delete_me(self, request: Request) -> Response:
        user = await self.bearer.user(request)
        await in_thread(self.accounts.delete, user.id)
        return Response(status_code=204)

    async def change_password(self, request: Request) -> JSONResponse:
        """``{"password": current, "new_password": ...}``: every earlier token stops working; a new one is returned."""
        user = await self.bearer.user(request)
        body = await json_body(request)
        current = body.get("password")
        if not isinstance(current, str):
            raise BadRequest("password (the current one) is required", code="invalid_password")
        new = check_password_rules(body.get("new_password"))
        updated = await in_thread(self.accounts.change_password, user.id, current, new)
        return token_answer(self.settings, updated, 200)

    async def logout_everywhere(self, request: Request) -> Response:
        """Revoke every token of the account, this one included (a lost laptop, a leaked token)."""
        user = await self.bearer.user(request)
        await in_thread(self.accounts.revoke_tokens, user.id)
        return Response(status_code=204)
