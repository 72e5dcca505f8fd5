"""Admin API: upload presets, ``GET/POST/PUT/DELETE /v1_1/<cloud>/upload_presets[/<name>]``."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import in_thread, services_of
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds import upload_presets as store
from imgorigin.clouds.eager import prepare
from imgorigin.clouds.tags import parse_context, parse_tags
from imgorigin.clouds.uploads import Options
from imgorigin.errors import NotFound
from imgorigin.services.library import now_iso

FIELDS = {"name", "unsigned", "live", "timestamp", *store.SETTINGS}
_FLAGS = ("eager_async", "overwrite", "use_filename", "unique_filename", "invalidate", "disallow_public_id")


async def _settings(request: Request, caller: Caller, params: Params) -> dict[str, str]:
    """The preset's settings, each validated now rather than at the first upload that uses it."""
    settings = {key: params.text(key) if key != "tags" else ",".join(parse_tags(params.items("tags")))
                for key in store.SETTINGS if key in params.values}
    for flag in _FLAGS:
        if flag in settings:
            settings[flag] = "true" if params.flag(flag, False) else "false"
    Options.parse(dict(settings))  # public id folder, tags, context, format
    parse_context(settings.get("context", ""))
    await prepare(services_of(request), caller.user, settings.get("eager", ""))
    return settings


async def _find(request: Request, caller: Caller) -> store.UploadPreset:
    name = request.path_params["name"]
    preset = await in_thread(store.get_preset, services_of(request).db, caller.user.id, name)
    if preset is None:
        raise NotFound(f"Upload preset {name[:64]} not found", code="preset_not_found")
    return preset


async def list_presets(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only({"max_results", "next_cursor"})
    presets = await in_thread(store.list_presets, services_of(request).db, caller.user.id)
    return {"presets": [preset.to_json() for preset in presets]}


async def show(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only({"max_results"})
    return (await _find(request, caller)).to_json()


async def create(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(FIELDS)
    name = store.check_name(params.text("name") or "preset_" + secrets.token_hex(4))
    preset = store.UploadPreset(name, params.flag("unsigned", False), await _settings(request, caller, params))
    await in_thread(store.create_preset, services_of(request).db, caller.user.id, preset, now_iso())
    return {"message": "created", "name": name}


async def update(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(FIELDS - {"name"})
    current = await _find(request, caller)
    settings = {**current.settings, **await _settings(request, caller, params)}
    preset = store.UploadPreset(current.name, params.flag("unsigned", current.unsigned), settings)
    await in_thread(store.update_preset, services_of(request).db, caller.user.id, preset)
    return {"message": "updated"}


async def delete(request: Request, caller: Caller, params: Params) -> dict[str, Any]:
    params.only(set())
    preset = await _find(request, caller)
    await in_thread(store.delete_preset, services_of(request).db, caller.user.id, preset.name)
    return {"message": "deleted"}
