"""Named transformations of an account (Cloudinary's ``t_<name>``), as the Admin API manages them.

They are rows on the control node and part of the account's published state, so every worker and
render node uses a new or changed one within ``IMGORIGIN_STATE_TTL`` seconds, without a restart.
The server-wide presets file stays what it was: names from it are not the account's to change.
"""

from __future__ import annotations

import re

from imgorigin.clouds import records
from imgorigin.clouds.accounts import publish_account
from imgorigin.clouds.records import NamedTransformation
from imgorigin.errors import BadRequest, Conflict, InvalidTransformation, NotFound
from imgorigin.services.library import now_iso
from imgorigin.services.wiring import Services
from imgorigin.state.records import User
from imgorigin.transform.exprplan import parse_any

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAMED = 500


def check_definition(services: Services, text: str) -> str:
    """A definition that parses, and names no other named transformation (one level, no loops)."""
    text = text.strip().strip("/")
    if not text:
        raise BadRequest("Missing required parameter - transformation", code="missing_transformation")
    if any(token.startswith("t_") for part in text.split("/") for token in part.split(",")):
        raise InvalidTransformation("A named transformation may not use other named transformations (t_)")
    parse_any(text, services.transformations.limits)
    return text


def find(services: Services, user: User, name: str) -> NamedTransformation:
    """By name, written with or without ``t_`` (the SDKs send either)."""
    items = {item.name: item for item in records.named_transformations(services.db, user.id)}
    found = items.get(name) or (items.get(name[2:]) if name.startswith("t_") else None)
    if found is None:
        raise NotFound(f"Transformation {name[:64]} not found", code="transformation_not_found")
    return found


def create(services: Services, user: User, name: str, definition: str) -> NamedTransformation:
    name = name.removeprefix("t_")
    if not _NAME.match(name):
        raise BadRequest("A transformation name must be 1-64 letters, digits, '_' or '-'", code="invalid_name")
    if services.transformations.presets.get(name) is not None:
        raise Conflict(f"Transformation {name} is a server preset", code="transformation_exists")
    existing = records.named_transformations(services.db, user.id)
    if any(item.name == name for item in existing):
        raise Conflict(f"Transformation {name} already exists", code="transformation_exists")
    if len(existing) >= MAX_NAMED:
        raise Conflict(f"An account may have at most {MAX_NAMED} named transformations", code="too_many")
    item = NamedTransformation(name, check_definition(services, definition), False, now_iso())
    records.put_named_transformation(services.db, user.id, item)
    publish_account(services.db, services.publisher, user)
    return item


def update(services: Services, user: User, name: str, definition: str | None,
           allowed_for_strict: bool | None) -> NamedTransformation:
    current = find(services, user, name)
    item = NamedTransformation(
        current.name,
        check_definition(services, definition) if definition is not None else current.transformation,
        current.unsigned if allowed_for_strict is None else allowed_for_strict,
        current.created_at,
    )
    records.put_named_transformation(services.db, user.id, item)
    publish_account(services.db, services.publisher, user)
    return item


def delete(services: Services, user: User, name: str) -> None:
    item = find(services, user, name)
    records.delete_named_transformation(services.db, user.id, item.name)
    publish_account(services.db, services.publisher, user)
