"""``/me/cloud``: the account's delivery settings for Cloudinary's layouts.

``GET`` answers the cloud name, the unsigned policy (the account's own, or null to follow the server's
``IMGORIGIN_UNSIGNED_POLICY``), the policy in effect and the transformations allowed unsigned under
``allowlist``. ``PUT`` changes ``unsigned_policy`` and/or ``allowed_transformations`` (replaced whole,
stored in canonical form). Changes reach render nodes within ``IMGORIGIN_STATE_TTL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from imgorigin.api.common import Bearer, in_thread, json_body
from imgorigin.clouds import records
from imgorigin.clouds.accounts import publish_account
from imgorigin.clouds.state import POLICIES, Publisher
from imgorigin.errors import BadRequest
from imgorigin.services.transformations import Transformations
from imgorigin.state.db import Database
from imgorigin.state.records import User

MAX_ALLOWED = 200


@dataclass(frozen=True)
class CloudRoutes:
    db: Database
    bearer: Bearer
    transformations: Transformations
    publisher: Publisher
    server_policy: str  # IMGORIGIN_UNSIGNED_POLICY: an account without its own follows it

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/me/cloud", self.show, methods=["GET"]),
            Route("/me/cloud", self.update, methods=["PUT"]),
        ]

    async def show(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        return JSONResponse(await in_thread(self._answer, user))

    async def update(self, request: Request) -> JSONResponse:
        user = await self.bearer.user(request)
        body = await json_body(request)
        return JSONResponse(await in_thread(self._update, user, body))

    def _answer(self, user: User) -> dict[str, Any]:
        own = records.unsigned_policy(self.db, user.id)
        return {
            "cloud_name": user.username,
            "unsigned_policy": own or None,
            "effective_unsigned_policy": own or self.server_policy,
            "allowed_transformations": records.allowed_transformations(self.db, user.id),
        }

    def _update(self, user: User, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"unsigned_policy", "allowed_transformations"}
        if unknown:
            raise BadRequest(f"Unknown field(s): {', '.join(sorted(unknown))}", code="invalid_cloud_settings")
        if "unsigned_policy" in body:
            policy = body["unsigned_policy"]
            if policy is not None and policy not in POLICIES:
                raise BadRequest("unsigned_policy: expected strict, allowlist, open or null",
                                 code="invalid_cloud_settings")
            records.set_unsigned_policy(self.db, user.id, policy or "")
        if "allowed_transformations" in body:
            items = body["allowed_transformations"]
            if not isinstance(items, list) or len(items) > MAX_ALLOWED or not all(isinstance(i, str) for i in items):
                raise BadRequest(f"allowed_transformations: expected a list of at most {MAX_ALLOWED} strings",
                                 code="invalid_cloud_settings")
            canonical = []
            for index, text in enumerate(items):
                try:
                    canonical.append(self.transformations.parse(text).canonical())
                except BadRequest as exc:
                    raise BadRequest(f"allowed_transformations[{index}]: {exc.message}",
                                     code="invalid_transformation") from None
            records.replace_allowed(self.db, user.id, canonical)
        publish_account(self.db, self.publisher, user)
        return self._answer(user)
