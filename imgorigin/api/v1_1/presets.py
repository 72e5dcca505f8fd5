"""Admin API: upload presets, ``GET/POST/PUT/DELETE /v1_1/<cloud>/upload_presets[/<name>]``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from imgorigin.api.common import in_thread
from imgorigin.api.v1_1.auth import Caller
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds import upload_presets as store
from imgorigin.clouds.eager import CloudEager
from imgorigin.clouds.tags import parse_context, parse_tags
from imgorigin.clouds.uploads import Options
from imgorigin.errors import NotFound
from imgorigin.services.library import now_iso
from imgorigin.state.db import Database

FIELDS = {"name", "unsigned", "live", "timestamp", *store.SETTINGS}
_FLAGS = ("eager_async", "overwrite", "use_filename", "unique_filename", "invalidate", "disallow_public_id")


@dataclass(frozen=True)
class PresetRoutes:
    db: Database
    eager: CloudEager  # a preset's eager field is resolved when it is saved, as an upload's is

    async def _settings(self, caller: Caller, params: Params) -> dict[str, str]:
        """The preset's settings, each validated now rather than at the first upload that uses it."""
        settings = {key: params.text(key) if key != "tags" else ",".join(parse_tags(params.items("tags")))
                    for key in store.SETTINGS if key in params.values}
        for flag in _FLAGS:
            if flag in settings:
                settings[flag] = "true" if params.flag(flag, False) else "false"
        Options.parse(dict(settings))  # public id folder, tags, context, format
        parse_context(settings.get("context", ""))
        await self.eager.prepare(caller.user, settings.get("eager", ""))
        return settings

    async def _find(self, request: Request, caller: Caller) -> store.UploadPreset:
        name = request.path_params["name"]
        preset = await in_thread(store.get_preset, self.db, caller.user.id, name)
        if preset is None:
            raise NotFound(f"Upload preset {name[:64]} not found", code="preset_not_found")
        return preset

    async def list_presets(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only({"max_results", "next_cursor"})
        presets = await in_thread(store.list_presets, self.db, caller.user.id)
        return {"presets": [preset.to_json() for preset in presets]}

    async def show(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only({"max_results"})
        return (await self._find(request, caller)).to_json()

    async def create(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(FIELDS)
        name = store.check_name(params.text("name") or "preset_" + secrets.token_hex(4))
        preset = store.UploadPreset(name, params.flag("unsigned", False), await self._settings(caller, params))
        await in_thread(store.create_preset, self.db, caller.user.id, preset, now_iso())
        return {"message": "created", "name": name}

    async def update(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(FIELDS - {"name"})
        current = await self._find(request, caller)
        settings = {**current.settings, **await self._settings(caller, params)}
        preset = store.UploadPreset(current.name, params.flag("unsigned", current.unsigned), settings)
        await in_thread(store.update_preset, self.db, caller.user.id, preset)
        return {"message": "updated"}

    async def delete(self, request: Request, caller: Caller, params: Params) -> dict[str, Any]:
        params.only(set())
        preset = await self._find(request, caller)
        await in_thread(store.delete_preset, self.db, caller.user.id, preset.name)
        return {"message": "deleted"}
