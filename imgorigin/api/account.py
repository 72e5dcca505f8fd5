"""The caller's own account: who it is, its password, its tokens, deleting it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imgorigin.api.auth import token_answer
from imgorigin.api.common import current_user, in_thread, json_body, services_of
from imgorigin.errors import BadRequest, Forbidden, Unauthorized
from imgorigin.security import check_password_rules, hash_password, verify_password
from imgorigin.services.accounts import delete_account


async def me(request: Request) -> JSONResponse:
    user = await current_user(request)
    return JSONResponse({"user": user.public()})


async def delete_me(request: Request) -> Response:
    user = await current_user(request)
    services = services_of(request)
    await in_thread(delete_account, services.db, services.library, services.publisher, user.id)
    return Response(status_code=204)


async def change_password(request: Request) -> JSONResponse:
    """``{"password": current, "new_password": ...}``: every earlier token stops working; a new one is returned."""
    services = services_of(request)
    user = await current_user(request)
    body = await json_body(request)
    current = body.get("password")
    if not isinstance(current, str):
        raise BadRequest("password (the current one) is required", code="invalid_password")
    new = check_password_rules(body.get("new_password"))
    stored = await in_thread(services.db.password_hash, user.id)
    if stored is None:
        raise Unauthorized("Invalid or expired token", code="invalid_token")
    if not await in_thread(verify_password, current, stored):
        raise Forbidden("The current password is wrong", code="wrong_password")
    hashed = await in_thread(hash_password, new, services.settings.bcrypt_rounds)
    updated = await in_thread(services.db.set_password, user.id, hashed)
    if updated is None:
        raise Unauthorized("Invalid or expired token", code="invalid_token")
    return token_answer(request, updated, 200)


async def logout_everywhere(request: Request) -> Response:
    """Revoke every token of the account, this one included (a lost laptop, a leaked token)."""
    user = await current_user(request)
    await in_thread(services_of(request).db.revoke_tokens, user.id)
    return Response(status_code=204)


routes = [
    Route("/me", me, methods=["GET"]),
    Route("/me", delete_me, methods=["DELETE"]),
    Route("/me/password", change_password, methods=["POST"]),
    Route("/me/logout-everywhere", logout_everywhere, methods=["POST"]),
]
