"""The schema of the control plane's SQLite database, and its migrations.

``migrate`` runs when a ``Database`` opens the file, under a file lock so that workers starting together
migrate one at a time (the first does the work). Every step is idempotent: a database made by any earlier
version comes up to date, and an up-to-date one is left alone.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlite_utils

from imgorigin.state.records import RENDER_JOB

_CLOUD_SCHEMA = (
    "create table if not exists image_tags (image_id text not null references images(id) on delete cascade,"
    " tag text not null, primary key (image_id, tag))",
    "create index if not exists image_tags_tag on image_tags (tag)",
    "create table if not exists image_context (image_id text not null references images(id) on delete cascade,"
    " key text not null, value text not null, primary key (image_id, key))",
    "create table if not exists upload_presets (user_id integer not null references users(id) on delete cascade,"
    " name text not null, unsigned integer not null, settings text not null, created_at text not null,"
    " primary key (user_id, name))",
    "create table if not exists invites (code_hash text primary key, created_at text not null,"
    " expires_at real not null, state text not null default 'new',"
    " used_by integer references users(id) on delete set null)",
)


def _unix_time(iso: str) -> int:
    try:
        return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 1


def migrate(db: sqlite_utils.Database) -> None:
    with db.conn:
        _users_table(db.conn)
        if "images" not in db.table_names():
            db.table("images").create(
                {
                    "id": str, "user_id": int, "filename": str, "format": str, "width": int, "height": int,
                    "pages": int, "bytes": int, "sha256": str, "created_at": str,
                },
                pk="id",
                foreign_keys=[("user_id", "users", "id")],
            )
            db.table("images").create_index(["user_id", "created_at"], if_not_exists=True)
            db.table("images").create_index(["user_id", "sha256"], if_not_exists=True)
        images = db.table("images")
        for column in ("colors", "blurhash", "placeholder"):
            if column not in images.columns_dict:
                images.add_column(column, str)
        if "public_id" not in images.columns_dict:
            images.add_column("public_id", str)
            images.add_column("version", int)
        for row in list(db.execute("select id, created_at from images where public_id is null")):
            db.execute("update images set public_id = ?, version = ? where id = ?",
                       [row[0], _unix_time(row[1]), row[0]])
        db.execute("create unique index if not exists images_public_id on images (user_id, public_id)")
        db.execute(
            "create table if not exists api_keys (api_key text primary key,"
            " user_id integer not null references users(id) on delete cascade, created_at text not null)"
        )
        db.execute("create index if not exists api_keys_user on api_keys (user_id)")
        # Per-account delivery settings (clouds/): the unsigned policy ('' = the server's default),
        # transformations allowed unsigned, and named transformations (t_<name>).
        db.execute(
            "create table if not exists cloud_settings (user_id integer primary key"
            " references users(id) on delete cascade, unsigned_policy text not null default '')"
        )
        db.execute(
            "create table if not exists allowed_transformations (user_id integer not null"
            " references users(id) on delete cascade, transformation text not null,"
            " primary key (user_id, transformation))"
        )
        db.execute(
            "create table if not exists named_transformations (user_id integer not null"
            " references users(id) on delete cascade, name text not null, transformation text not null,"
            " unsigned integer not null default 0, created_at text not null, primary key (user_id, name))"
        )
        # Raw SQL for the cascade: deleting an image (or its user's images) drops its eager work.
        db.execute(
            "create table if not exists eager ("
            " id integer primary key, image_id text not null references images(id) on delete cascade,"
            " transformation text not null, format text not null, state text not null default 'pending',"
            " error text, attempts integer not null default 0, lease_until real,"
            " created_at text not null, updated_at text not null,"
            " unique (image_id, transformation, format))"
        )
        db.execute("create index if not exists eager_pending on eager (state, lease_until)")
        # Cloudinary's Upload and Admin APIs (imgorigin/api/v1_1): tags, context, upload presets; invitations.
        for statement in _CLOUD_SCHEMA:
            db.execute(statement)
        if "role" not in db.table("users").columns_dict:
            db.table("users").add_column("role", str, not_null_default="user")
        if "kind" not in db.table("eager").columns_dict:
            db.execute(f"alter table eager add column kind text not null default '{RENDER_JOB}'")
        # Rows `imgorigin doctor --fix` took out of service (their original is missing), kept whole
        # as JSON so that they can come back when the file does.
        db.execute(
            "create table if not exists quarantine ("
            " image_id text primary key, user_id integer not null, row text not null,"
            " reason text not null, quarantined_at text not null)"
        )


# AUTOINCREMENT: a deleted account's id is never given to a new one (plain INTEGER PRIMARY KEY reuses the
# highest id, and with it every token still held for the deleted account).
_USERS_SQL = (
    "create table {name} (id integer primary key autoincrement, username text not null,"
    " password_hash text not null, created_at text, token_version integer not null default 0)"
)


def _users_table(conn: sqlite3.Connection) -> None:
    """Create the users table, or rebuild one made before ids were AUTOINCREMENT (one transaction)."""
    row = conn.execute("select sql from sqlite_master where type = 'table' and name = 'users'").fetchone()
    if row is not None and "autoincrement" in row[0].lower():
        return
    conn.execute("pragma foreign_keys = off")  # images reference users: the rebuild must not cascade
    try:
        conn.execute("begin immediate")
        try:
            if row is None:
                conn.execute(_USERS_SQL.format(name="users"))
            else:
                conn.execute(_USERS_SQL.format(name="users_new"))
                _copy_users(conn)
                conn.execute("drop table users")
                conn.execute("alter table users_new rename to users")
            conn.execute("create unique index if not exists idx_users_username on users (username)")
            if conn.execute("pragma foreign_key_check").fetchone() is not None:
                raise sqlite3.IntegrityError("users rebuild would break image ownership")
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")
    finally:
        conn.execute("pragma foreign_keys = on")


def _copy_users(conn: sqlite3.Connection) -> None:
    """Every column of the old users table, those added by later migrations (role...) included."""
    old = conn.execute("pragma table_info(users)").fetchall()  # cid, name, type, notnull, default, pk
    new = {row[1] for row in conn.execute("pragma table_info(users_new)")}
    for _, name, kind, not_null, default, _ in old:
        if name not in new:
            declared = f'"{name}" {kind}' + (" not null" if not_null and default is not None else "")
            conn.execute(f"alter table users_new add column {declared}"
                         + (f" default {default}" if default is not None else ""))
    columns = ", ".join(f'"{row[1]}"' for row in old)
    conn.execute(f"insert into users_new ({columns}) select {columns} from users")


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
