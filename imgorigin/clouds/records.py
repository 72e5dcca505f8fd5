"""The control plane's rows for clouds: public ids of images and API keys (SQLite, see ``imgorigin.state.db``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, fields

from imgorigin.errors import Conflict
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord, User

_IMAGE_COLUMNS = ", ".join(f.name for f in fields(ImageRecord))
MAX_KEYS = 20  # per account: rotation needs two or three, a leak of the list is bounded


@dataclass(frozen=True)
class ApiKey:
    api_key: str
    created_at: str


def _image(row: sqlite3.Row | tuple[object, ...] | None) -> ImageRecord | None:
    return None if row is None else ImageRecord(*row)


def image_by_public_id(db: Database, user_id: int, public_id: str) -> ImageRecord | None:
    return _image(db.connection().execute(
        f"select {_IMAGE_COLUMNS} from images where user_id = ? and public_id = ?", [user_id, public_id]
    ).fetchone())


def find_image(db: Database, user_id: int, id_or_public_id: str) -> ImageRecord | None:
    """An image of the account by public id, else by its storage id (``/t/`` ids keep working)."""
    return image_by_public_id(db, user_id, id_or_public_id) or db.image(user_id, id_or_public_id)


def insert_named(db: Database, record: ImageRecord, overwrite: bool, jobs: Sequence[str] = ()) -> ImageRecord | None:
    """Insert ``record``; an image of the account already under its public id is replaced when ``overwrite``
    (and returned, for its files to go), else 409. One transaction: the public id never names two images,
    and the background jobs (kinds) the image needs are recorded with it."""
    conn = db.connection()
    with db.transaction():
        old = _image(conn.execute(
            f"select {_IMAGE_COLUMNS} from images where user_id = ? and public_id = ?",
            [record.user_id, record.public_id],
        ).fetchone())
        if old is not None:
            if not overwrite:
                raise Conflict(f"An image with public id {record.public_id!r} already exists (overwrite is false)",
                               code="public_id_exists")
            conn.execute("delete from images where id = ?", [old.id])
        db.insert_image(record, jobs)
    return old


def images_of(db: Database, user_id: int) -> list[ImageRecord]:
    rows = db.connection().execute(f"select {_IMAGE_COLUMNS} from images where user_id = ?", [user_id])
    return [ImageRecord(*row) for row in rows]


def users(db: Database) -> list[User]:
    ids = [row[0] for row in db.connection().execute("select id from users order by id")]
    return [user for user in map(db.user, ids) if user is not None]


def add_key(db: Database, user_id: int, api_key: str, created_at: str) -> None:
    conn = db.connection()
    with db.transaction():
        (count,) = conn.execute("select count(*) from api_keys where user_id = ?", [user_id]).fetchone()
        if count >= MAX_KEYS:
            raise Conflict(f"An account may have at most {MAX_KEYS} API keys; delete one first",
                           code="too_many_api_keys")
        conn.execute("insert into api_keys (api_key, user_id, created_at) values (?, ?, ?)",
                     [api_key, user_id, created_at])


def keys_of(db: Database, user_id: int) -> list[ApiKey]:
    rows = db.connection().execute(
        "select api_key, created_at from api_keys where user_id = ? order by created_at, api_key", [user_id]
    )
    return [ApiKey(*row) for row in rows]


def delete_key(db: Database, user_id: int, api_key: str) -> bool:
    cursor = db.connection().execute("delete from api_keys where user_id = ? and api_key = ?", [user_id, api_key])
    return cursor.rowcount > 0


def user_of_key(db: Database, api_key: str) -> User | None:
    """The account an API key belongs to (the Upload and Admin APIs authenticate with it)."""
    row = db.connection().execute("select user_id from api_keys where api_key = ?", [api_key]).fetchone()
    return None if row is None else db.user(row[0])


@dataclass(frozen=True)
class NamedTransformation:
    name: str
    transformation: str
    unsigned: bool  # Cloudinary's allowed_for_strict
    created_at: str


def named_transformations(db: Database, user_id: int) -> list[NamedTransformation]:
    rows = db.connection().execute(
        "select name, transformation, unsigned, created_at from named_transformations where user_id = ?"
        " order by name", [user_id]
    )
    return [NamedTransformation(row[0], row[1], bool(row[2]), row[3]) for row in rows]


def put_named_transformation(db: Database, user_id: int, item: NamedTransformation) -> None:
    """Create or replace one named transformation (publish the account afterwards)."""
    db.connection().execute(
        "insert into named_transformations (user_id, name, transformation, unsigned, created_at)"
        " values (?, ?, ?, ?, ?) on conflict (user_id, name) do update set"
        " transformation = excluded.transformation, unsigned = excluded.unsigned",
        [user_id, item.name, item.transformation, int(item.unsigned), item.created_at],
    )


def delete_named_transformation(db: Database, user_id: int, name: str) -> bool:
    cursor = db.connection().execute(
        "delete from named_transformations where user_id = ? and name = ?", [user_id, name]
    )
    return cursor.rowcount > 0


def unsigned_policy(db: Database, user_id: int) -> str:
    """The account's own policy, or '' when it follows the server's default."""
    row = db.connection().execute("select unsigned_policy from cloud_settings where user_id = ?", [user_id]).fetchone()
    return "" if row is None else str(row[0])


def set_unsigned_policy(db: Database, user_id: int, policy: str) -> None:
    db.connection().execute(
        "insert into cloud_settings (user_id, unsigned_policy) values (?, ?)"
        " on conflict (user_id) do update set unsigned_policy = excluded.unsigned_policy", [user_id, policy]
    )


def allowed_transformations(db: Database, user_id: int) -> list[str]:
    rows = db.connection().execute(
        "select transformation from allowed_transformations where user_id = ? order by transformation", [user_id]
    )
    return [row[0] for row in rows]


def allow_transformations(db: Database, user_id: int, transformations: list[str]) -> None:
    db.connection().executemany(
        "insert or ignore into allowed_transformations (user_id, transformation) values (?, ?)",
        [(user_id, text) for text in transformations],
    )


def replace_allowed(db: Database, user_id: int, transformations: list[str]) -> None:
    conn = db.connection()
    with db.transaction():
        conn.execute("delete from allowed_transformations where user_id = ?", [user_id])
        conn.executemany("insert or ignore into allowed_transformations (user_id, transformation) values (?, ?)",
                         [(user_id, text) for text in transformations])


def disallow_transformation(db: Database, user_id: int, transformation: str) -> bool:
    cursor = db.connection().execute(
        "delete from allowed_transformations where user_id = ? and transformation = ?", [user_id, transformation]
    )
    return cursor.rowcount > 0
