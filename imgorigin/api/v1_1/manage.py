"""Upload API calls on stored images: ``destroy``, ``rename``, ``explicit`` and ``tags``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from imgorigin.api.common import in_thread, services_of
from imgorigin.api.v1_1.answers import resource_json
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.api.v1_1.upload import SIGNED, check_type, eager_json
from imgorigin.clouds import assets
from imgorigin.clouds.eager import derive, prepare
from imgorigin.clouds.tags import change_tags, context_of, parse_context, parse_tags, set_context, set_tags, tags_of
from imgorigin.errors import BadRequest

TAG_COMMANDS = ("add", "remove", "replace", "remove_all", "set_exclusive")
MAX_TAGGED = 1000


async def destroy(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(SIGNED | {"public_id", "invalidate"})
    check_type(params)
    params.flag("invalidate", False)  # derivatives always go with the image (see docs/migration.md)
    found = await in_thread(assets.destroy, services_of(request), caller.user, params.text("public_id"))
    return {"result": "ok" if found else "not found"}


async def rename(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(SIGNED | {"from_public_id", "to_public_id", "overwrite", "invalidate", "to_type"})
    check_type(params)
    if params.text("to_type", "upload") != "upload":
        raise BadRequest("Unsupported to_type: only upload", code="invalid_type")
    params.flag("invalidate", False)
    services = services_of(request)
    record = await in_thread(assets.rename, services, caller.user, params.text("from_public_id"),
                             params.text("to_public_id"), params.flag("overwrite", False))
    tags = (await in_thread(tags_of, services.db, [record.id]))[record.id]
    return resource_json(request, caller.cloud, record, tags=tags, secret=caller.secret,
                         algorithm=caller.algorithm, signed=True)


async def explicit(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    """Eager derivatives (and new tags or context) for an image already stored."""
    params.only(SIGNED | {"public_id", "eager", "eager_async", "invalidate", "tags", "context"})
    check_type(params)
    params.flag("invalidate", False)
    services = services_of(request)
    record = await in_thread(assets.require, services, caller.user, params.text("public_id"))
    eager = await prepare(services, caller.user, params.text("eager"))
    if "tags" in params.values:
        await in_thread(set_tags, services.db, record.id, parse_tags(params.items("tags")))
    if "context" in params.values:
        await in_thread(set_context, services.db, record.id, parse_context(params.text("context")))
    tags = (await in_thread(tags_of, services.db, [record.id]))[record.id]
    context = (await in_thread(context_of, services.db, [record.id]))[record.id]
    body = resource_json(request, caller.cloud, record, tags=tags, context=context, secret=caller.secret,
                         algorithm=caller.algorithm, signed=True)
    asynchronous = params.flag("eager_async", False)
    items = await derive(services, caller.user, record, eager, asynchronous=asynchronous)
    body["eager"] = eager_json(request, caller, record, items)
    return body


async def tags(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
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
    services = services_of(request)
    found = await in_thread(assets.existing, services, caller.user, public_ids)
    await in_thread(change_tags, services.db, caller.user.id, [r.id for r in found], command, new_tags)
    return {"public_ids": [r.public_id for r in found]}
