"""Named transformations of an account (Cloudinary's ``t_<name>``), as the Admin API manages them.

They are rows on the control node and part of the account's published state, so every worker and
render node uses a new or changed one within ``IMGORIGIN_STATE_TTL`` seconds, without a restart.
The server-wide presets file stays what it was: names from it are not the account's to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imgorigin.clouds import records
from imgorigin.clouds.accounts import publish_account
from imgorigin.clouds.records import NamedTransformation
from imgorigin.clouds.state import Publisher
from imgorigin.errors import BadRequest, Conflict, InvalidTransformation, NotFound
from imgorigin.services.library import now_iso
from imgorigin.services.transformations import Transformations
from imgorigin.state.db import Database
from imgorigin.state.records import User
from imgorigin.transform.exprplan import parse_any

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAMED = 500


@dataclass(frozen=True)
class NamedTransformations:
    """An account's ``t_<name>`` definitions: checked against the server's limits and presets, published
    with the account's state on every change."""

    db: Database
    publisher: Publisher
    transformations: Transformations

    def check_definition(self, text: str) -> str:
        """A definition that parses, and names no other named transformation (one level, no loops)."""
        text = text.strip().strip("/")
        if not text:
            raise BadRequest("Missing required parameter - transformation", code="missing_transformation")
        if any(token.startswith("t_") for part in text.split("/") for token in part.split(",")):
            raise InvalidTransformation("A named transformation may not use other named transformations (t_)")
        parse_any(text, self.transformations.limits)
        return text

    def find(self, user: User, name: str) -> NamedTransformation:
        """By name, written with or without ``t_`` (the SDKs send either)."""
        items = {item.name: item for item in records.named_transformations(self.db, user.id)}
        found = items.get(name) or (items.get(name[2:]) if name.startswith("t_") else None)
        if found is None:
            raise NotFound(f"Transformation {name[:64]} not found", code="transformation_not_found")
        return found

    def create(self, user: User, name: str, definition: str) -> NamedTransformation:
        name = name.removeprefix("t_")
        if not _NAME.match(name):
            raise BadRequest("A transformation name must be 1-64 letters, digits, '_' or '-'", code="invalid_name")
        if self.transformations.presets.get(name) is not None:
            raise Conflict(f"Transformation {name} is a server preset", code="transformation_exists")
        existing = records.named_transformations(self.db, user.id)
        if any(item.name == name for item in existing):
            raise Conflict(f"Transformation {name} already exists", code="transformation_exists")
        if len(existing) >= MAX_NAMED:
            raise Conflict(f"An account may have at most {MAX_NAMED} named transformations", code="too_many")
        item = NamedTransformation(name, self.check_definition(definition), False, now_iso())
        records.put_named_transformation(self.db, user.id, item)
        publish_account(self.db, self.publisher, user)
        return item

    def update(self, user: User, name: str, definition: str | None,
                   allowed_for_strict: bool | None) -> NamedTransformation:
        current = self.find(user, name)
        item = NamedTransformation(
            current.name,
            self.check_definition(definition) if definition is not None else current.transformation,
            current.unsigned if allowed_for_strict is None else allowed_for_strict,
            current.created_at,
        )
        records.put_named_transformation(self.db, user.id, item)
        publish_account(self.db, self.publisher, user)
        return item

    def delete(self, user: User, name: str) -> None:
        item = self.find(user, name)
        records.delete_named_transformation(self.db, user.id, item.name)
        publish_account(self.db, self.publisher, user)
