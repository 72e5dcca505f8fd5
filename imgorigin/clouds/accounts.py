"""Accounts as clouds (the cloud name is the username): API keys, and publishing what render nodes need."""

from __future__ import annotations

import logging

from imgorigin.clouds import records
from imgorigin.clouds.keys import api_secret, new_api_key
from imgorigin.clouds.state import AccountState, Pointer, Published, Publisher
from imgorigin.config import Settings
from imgorigin.errors import NotFound
from imgorigin.services.library import now_iso
from imgorigin.services.transformations import Transformations
from imgorigin.services.wiring import Services
from imgorigin.state.db import Database
from imgorigin.state.records import User
from imgorigin.storage import make_storage

log = logging.getLogger("imgorigin.clouds")

_PUBLISHED_MARK = "clouds-published-v1"


def account_state(db: Database, user: User) -> AccountState:
    """Everything a render node needs of the account, from its rows (published by ``publish_account``)."""
    keys = tuple(key.api_key for key in records.keys_of(db, user.id))
    named = records.named_transformations(db, user.id)
    return AccountState(
        cloud=user.username, api_keys=keys, unsigned=records.unsigned_policy(db, user.id),
        allowed=tuple(records.allowed_transformations(db, user.id)),
        transformations={item.name: item.transformation for item in named},
        unsigned_names=tuple(item.name for item in named if item.unsigned),
    )


def publish_account(db: Database, publisher: Publisher, user: User) -> AccountState:
    state = account_state(db, user)
    publisher.account(state)
    return state


def publish_account_of(settings: Settings, db: Database, user: User) -> None:
    """``publish_account`` outside a server (``imgorigin user create``)."""
    storage = make_storage(settings)
    Publisher(storage, settings.data_dir / "tmp", Published(storage, 0)).account(account_state(db, user))


def create_api_key(db: Database, publisher: Publisher, key_secret: str, user: User) -> tuple[str, str]:
    """A new key of the account and its secret (shown to the caller once, never stored)."""
    api_key = new_api_key()
    records.add_key(db, user.id, api_key, now_iso())
    publish_account(db, publisher, user)
    return api_key, api_secret(key_secret, user.username, api_key)


def revoke_api_key(db: Database, publisher: Publisher, user: User, api_key: str) -> None:
    if not records.delete_key(db, user.id, api_key):
        raise NotFound("No such API key", code="api_key_not_found")
    publish_account(db, publisher, user)  # render nodes stop accepting it within IMGORIGIN_STATE_TTL


def allow_eager(db: Database, publisher: Publisher, parser: Transformations, user: User,
                transformations: list[str]) -> None:
    """Eagerly created derivatives are served unsigned under the ``allowlist`` policy (canonical form)."""
    canonical = [parser.parse(text).canonical() for text in transformations]
    known = set(records.allowed_transformations(db, user.id))
    if set(canonical) - known:
        records.allow_transformations(db, user.id, canonical)
        publish_account(db, publisher, user)


def publish_everything(services: Services) -> tuple[int, int]:
    """Write every account's state and every public id to the object store: (accounts, public ids).

    Run once by the first control node after an upgrade (so images stored before public ids existed are
    reachable in their account's layouts), and by ``imgorigin clouds publish`` after a restore.
    """
    accounts = images = 0
    for user in records.users(services.db):
        publish_account(services.db, services.publisher, user)
        accounts += 1
        for record in records.images_of(services.db, user.id):
            if record.public_id is not None:
                pointer = Pointer(record.id, record.version or 1, record.format)
                services.publisher.pointer(user.username, record.public_id, pointer)
                images += 1
    return accounts, images


def publish_once(services: Services) -> None:
    """``publish_everything`` unless this database has already been published (a marker row says so)."""
    conn = services.db.connection()
    conn.execute("create table if not exists marks (name text primary key)")
    if conn.execute("select 1 from marks where name = ?", [_PUBLISHED_MARK]).fetchone():
        return
    accounts, images = publish_everything(services)
    conn.execute("insert or ignore into marks (name) values (?)", [_PUBLISHED_MARK])
    if accounts:
        log.info("published %d accounts and %d public ids for Cloudinary's layouts", accounts, images)
