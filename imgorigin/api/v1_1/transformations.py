"""Admin API: named transformations, ``GET/POST/PUT/DELETE /v1_1/<cloud>/transformations[/<name>]``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import in_thread
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds import records
from imgorigin.clouds.named import NamedTransformations
from imgorigin.clouds.records import NamedTransformation
from imgorigin.errors import BadRequest
from imgorigin.state.db import Database


def _summary(item: NamedTransformation) -> dict[str, Any]:
    return {"name": f"t_{item.name}", "allowed_for_strict": item.unsigned, "used": False, "named": True}


def _details(item: NamedTransformation) -> dict[str, Any]:
    info = [{key: value for key, _, value in (token.partition("_") for token in part.split(","))}
            for part in item.transformation.split("/")]
    return {**_summary(item), "transformation": item.transformation, "info": info, "derived": []}


def _name(request: Request, params: Params) -> str:
    name = request.path_params.get("name") or params.text("transformation")
    if not name:
        raise BadRequest("Missing required parameter - transformation", code="missing_transformation")
    return str(name)


@dataclass(frozen=True)
class TransformationRoutes:
    db: Database
    named: NamedTransformations

    async def get(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """The list (``named``, ``max_results``, ``next_cursor``), or one with ``transformation=<name>``."""
        params.only({"transformation", "named", "max_results", "next_cursor"})
        if request.path_params.get("name") or params.text("transformation"):
            return _details(await in_thread(self.named.find, caller.user, _name(request, params)))
        if not params.flag("named", True):
            return {"transformations": []}  # only named ones are kept: derived ones live in the cache
        items = await in_thread(records.named_transformations, self.db, caller.user.id)
        return {"transformations": [_summary(item) for item in items]}

    async def create(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only({"name", "transformation"})
        name = request.path_params.get("name") or params.text("name")
        if not name:
            raise BadRequest("Missing required parameter - name", code="missing_name")
        await in_thread(self.named.create, caller.user, name, params.text("transformation"))
        return {"message": "created"}

    async def update(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """``allowed_for_strict`` (served unsigned under the strict policy) and ``unsafe_update`` (a new
        definition; "unsafe" as on Cloudinary: URLs cached by a CDN keep the old rendering until they expire)."""
        params.only({"transformation", "allowed_for_strict", "unsafe_update"})
        allowed = params.flag("allowed_for_strict", False) if params.text("allowed_for_strict") else None
        await in_thread(self.named.update, caller.user, _name(request, params), params.optional("unsafe_update"),
                        allowed)
        return {"message": "updated"}

    async def delete(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only({"transformation", "invalidate"})
        await in_thread(self.named.delete, caller.user, _name(request, params))
        return {"message": "deleted"}
