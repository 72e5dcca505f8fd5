"""Upload presets (Cloudinary's): named sets of upload options stored per account.

A signed upload may name a preset; its settings are defaults that the call's own parameters override.
An unsigned upload (no ``api_key``, no ``signature``) is accepted only through a preset marked
``unsigned``, and then the preset decides: the caller may add only ``public_id`` (unless the preset sets
``disallow_public_id``), ``folder``, ``tags`` and ``context``, and never overwrites an existing image.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from imgorigin.errors import BadRequest, Conflict
from imgorigin.state.db import Database

SETTINGS = ("folder", "tags", "context", "eager", "eager_async", "overwrite", "use_filename", "unique_filename",
            "format", "invalidate", "disallow_public_id")
UNSIGNED_CALLER_PARAMS = frozenset({"public_id", "folder", "tags", "context"})
MAX_PRESETS = 100
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise BadRequest("Upload preset name must be 1-64 letters, digits, '_' or '-'", code="invalid_preset_name")
    return name


@dataclass(frozen=True)
class UploadPreset:
    name: str
    unsigned: bool = False
    settings: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "unsigned": self.unsigned, "settings": dict(self.settings)}

    def options_for(self, given: dict[str, str | list[str]], unsigned_call: bool) -> dict[str, str | list[str]]:
        """The upload's effective options: the preset's settings, overridden by what the caller may set."""
        options: dict[str, str | list[str]] = {k: v for k, v in self.settings.items() if k != "disallow_public_id"}
        for key, value in given.items():
            if unsigned_call and key not in UNSIGNED_CALLER_PARAMS:
                continue
            if unsigned_call and key == "public_id" and self.settings.get("disallow_public_id") in ("true", "1"):
                raise BadRequest("This upload preset does not allow a public_id", code="public_id_not_allowed")
            options[key] = value
        if unsigned_call:
            options["overwrite"] = "false"  # as Cloudinary: an unsigned upload never replaces an image
        return options


def _preset(row: tuple[str, int, str]) -> UploadPreset:
    return UploadPreset(row[0], bool(row[1]), json.loads(row[2]))


def get_preset(db: Database, user_id: int, name: str) -> UploadPreset | None:
    row = db.connection().execute(
        "select name, unsigned, settings from upload_presets where user_id = ? and name = ?", [user_id, name]
    ).fetchone()
    return None if row is None else _preset(row)


def list_presets(db: Database, user_id: int) -> list[UploadPreset]:
    rows = db.connection().execute(
        "select name, unsigned, settings from upload_presets where user_id = ? order by name", [user_id]
    )
    return [_preset(row) for row in rows]


def create_preset(db: Database, user_id: int, preset: UploadPreset, now: str) -> None:
    conn = db.connection()
    try:
        with db.transaction():
            (count,) = conn.execute("select count(*) from upload_presets where user_id = ?", [user_id]).fetchone()
            if count >= MAX_PRESETS:
                raise Conflict(f"An account may have at most {MAX_PRESETS} upload presets", code="too_many_presets")
            conn.execute(
                "insert into upload_presets (user_id, name, unsigned, settings, created_at) values (?, ?, ?, ?, ?)",
                [user_id, preset.name, int(preset.unsigned), json.dumps(preset.settings), now],
            )
    except sqlite3.IntegrityError:
        raise Conflict(f"Upload preset {preset.name} already exists", code="preset_exists") from None


def update_preset(db: Database, user_id: int, preset: UploadPreset) -> bool:
    cursor = db.connection().execute(
        "update upload_presets set unsigned = ?, settings = ? where user_id = ? and name = ?",
        [int(preset.unsigned), json.dumps(preset.settings), user_id, preset.name],
    )
    return cursor.rowcount > 0


def delete_preset(db: Database, user_id: int, name: str) -> bool:
    cursor = db.connection().execute("delete from upload_presets where user_id = ? and name = ?", [user_id, name])
    return cursor.rowcount > 0
