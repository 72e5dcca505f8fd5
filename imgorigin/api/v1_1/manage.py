"""Upload API calls on stored images: ``destroy``, ``rename``, ``explicit`` and ``tags``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import Links, in_thread
from imgorigin.api.v1_1.answers import resource_json
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.api.v1_1.upload import SIGNED, check_type, eager_json
from imgorigin.clouds.assets import Assets
from imgorigin.clouds.eager import CloudEager
from imgorigin.clouds.tags import change_tags, context_of, parse_context, parse_tags, set_context, set_tags, tags_of
from imgorigin.errors import BadRequest
from imgorigin.state.db import Database

TAG_COMMANDS = ("add", "remove", "replace", "remove_all", "set_exclusive")
MAX_TAGGED = 1000


@dataclass(frozen=True)
class ManageRoutes:
    db: Database
    assets: Assets
    eager: CloudEager
    links: Links

    async def destroy(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(SIGNED | {"public_id", "invalidate"})
        check_type(params)
        params.flag("invalidate", False)  # derivatives always go with the image (see docs/migration.md)
        found = await in_thread(self.assets.destroy, caller.user, params.text("public_id"))
        return {"result": "ok" if found else "not found"}

    async def rename(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(SIGNED | {"from_public_id", "to_public_id", "overwrite", "invalidate", "to_type"})
        check_type(params)
        if params.text("to_type", "upload") != "upload":
            raise BadRequest("Unsupported to_type: only upload", code="invalid_type")
        params.flag("invalidate", False)
        record = await in_thread(self.assets.rename, caller.user, params.text("from_public_id"),
                                 params.text("to_public_id"), params.flag("overwrite", False))
        tags = (await in_thread(tags_of, self.db, [record.id]))[record.id]
        return resource_json(self.links.base(request), caller.cloud, record, tags=tags, secret=caller.secret,
                             algorithm=caller.algorithm, signed=True)

    async def explicit(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """Eager derivatives (and new tags or context) for an image already stored."""
        params.only(SIGNED | {"public_id", "eager", "eager_async", "invalidate", "tags", "context"})
        check_type(params)
        params.flag("invalidate", False)
        record = await in_thread(self.assets.require, caller.user, params.text("public_id"))
        eager = await self.eager.prepare(caller.user, params.text("eager"))
        if "tags" in params.values:
            await in_thread(set_tags, self.db, record.id, parse_tags(params.items("tags")))
        if "context" in params.values:
            await in_thread(set_context, self.db, record.id, parse_context(params.text("context")))
        tags = (await in_thread(tags_of, self.db, [record.id]))[record.id]
        context = (await in_thread(context_of, self.db, [record.id]))[record.id]
        body = resource_json(self.links.base(request), caller.cloud, record, tags=tags, context=context,
                             secret=caller.secret, algorithm=caller.algorithm, signed=True)
        asynchronous = params.flag("eager_async", False)
        items = await self.eager.derive(caller.user, record, eager, asynchronous=asynchronous)
        body["eager"] = eager_json(self.links.base(request), caller, record, items)
        return body

    async def tags(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        """``command`` (add, remove, replace, remove_all, set_exclusive) ``tag`` on ``public_ids``."""
        params.only(SIGNED | {"tag", "public_ids", "command"})
        check_type(params)
        command = params.text("command")
        if command not in TAG_COMMANDS:
            raise BadRequest(f"command must be one of {', '.join(TAG_COMMANDS)}", code="invalid_command")
        public_ids = params.items("public_ids")
        if not public_ids or len(public_ids) > MAX_TAGGED:
            raise BadRequest(f"public_ids: expected 1 to {MAX_TAGGED} public ids", code="invalid_public_ids")
        new_tags = parse_tags(params.items("tag")) if command != "remove_all" else []
        if command != "remove_all" and not new_tags:
            raise BadRequest("Missing required parameter - tag", code="missing_tag")
        found = await in_thread(self.assets.existing, caller.user, public_ids)
        await in_thread(change_tags, self.db, caller.user.id, [r.id for r in found], command, new_tags)
        return {"public_ids": [r.public_id for r in found]}
