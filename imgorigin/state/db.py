"""Users and image metadata in SQLite (WAL), through sqlite-utils.

Only the control plane touches this. Each thread gets its own connection; calls are short and run
in worker threads, never on the event loop.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from imgorigin.errors import Conflict


@dataclass(frozen=True)
class User:
    id: int
    username: str
    created_at: str
    # Bumped by a password change and by "log out everywhere": tokens carry it, older ones stop working.
    token_version: int = field(default=0, repr=False)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "created_at": self.created_at}


@dataclass(frozen=True)
class ImageRecord:
    id: str
    user_id: int
    filename: str
    format: str
    width: int
    height: int
    pages: int
    bytes: int
    sha256: str
    created_at: str
    # Computed at upload (imgorigin/info); None for images stored before these columns existed.
    colors: str | None = None  # JSON: [{"color": "#rrggbb", "share": 0.42}, ...]
    blurhash: str | None = None
    placeholder: str | None = None  # data: URI of a ~16 px WebP
    # The account's name for the image (Cloudinary's public id; the random id when none was chosen) and
    # its version (Unix time of the upload, bumped by an overwrite), set for every row by the migration.
    public_id: str | None = None
    version: int | None = None


# Kinds of background job in the ``eager`` table: an eager derivative, or the work an upload leaves
# for later (pyramid levels and the colour summary).
RENDER_JOB = "render"
LEVELS_JOB = "levels"


@dataclass(frozen=True)
class EagerJob:
    id: int
    image_id: str
    transformation: str
    format: str
    state: str  # pending, done or failed
    error: str | None
    attempts: int
    updated_at: str
    kind: str = RENDER_JOB  # RENDER_JOB: the transformation below; LEVELS_JOB: see imgorigin/services/ingest.py


_EAGER_COLUMNS = "id, image_id, transformation, format, state, error, attempts, updated_at, kind"

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


def _like(text: str) -> str:
    """``text`` matched literally by LIKE ... ESCAPE '\\': its wildcards are plain characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # -wal and -shm get the same mode
        # Workers starting together on a fresh directory migrate one at a time (the first does the work).
        with _exclusive(path.with_name(path.name + ".migrate.lock")):
            self._migrate()

    def _db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: transactions are explicit), for the other tables' modules."""
        return self._db().conn

    def _migrate(self) -> None:
        db = self._db()
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

    # users

    def create_user(self, username: str, password_hash: str, created_at: str) -> User:
        table = self._db().table("users")
        try:
            table.insert({"username": username, "password_hash": password_hash, "created_at": created_at})
        except sqlite3.IntegrityError:
            raise Conflict("That username is taken", code="username_taken") from None
        row = self._db().execute("select id from users where username = ?", [username]).fetchone()
        return User(int(row[0]), username, created_at)

    def user_with_hash(self, username: str) -> tuple[User, str] | None:
        row = self._db().execute(
            f"select {_USER_COLUMNS}, password_hash from users where username = ?", [username]
        ).fetchone()
        return None if row is None else (User(*row[:4]), row[4])

    def user(self, user_id: int) -> User | None:
        row = self._db().execute(f"select {_USER_COLUMNS} from users where id = ?", [user_id]).fetchone()
        return None if row is None else User(*row)

    def password_hash(self, user_id: int) -> str | None:
        row = self._db().execute("select password_hash from users where id = ?", [user_id]).fetchone()
        return None if row is None else str(row[0])

    def set_password(self, user_id: int, password_hash: str) -> User | None:
        """Store a new hash and revoke every token issued so far; the user as it now is."""
        row = self._db().execute(
            "update users set password_hash = ?, token_version = token_version + 1 where id = ?"
            f" returning {_USER_COLUMNS}",
            [password_hash, user_id],
        ).fetchone()
        return None if row is None else User(*row)

    def revoke_tokens(self, user_id: int) -> User | None:
        """Log out everywhere: every token issued so far stops working."""
        row = self._db().execute(
            f"update users set token_version = token_version + 1 where id = ? returning {_USER_COLUMNS}",
            [user_id],
        ).fetchone()
        return None if row is None else User(*row)

    def delete_user(self, user_id: int) -> list[str]:
        """Delete a user and their image rows in one transaction; returns the ids whose files must go."""
        conn = self._db().conn
        with self.transaction():
            ids = [row[0] for row in conn.execute("select id from images where user_id = ?", [user_id])]
            conn.execute("delete from images where user_id = ?", [user_id])
            conn.execute("delete from users where id = ?", [user_id])
        return ids

    # images

    def add_image(self, record: ImageRecord, jobs: Sequence[str] = ()) -> None:
        """Record an image and, in the same transaction, the background jobs (kinds) it needs."""
        with self.transaction():
            self.insert_image(record, jobs)

    def insert_image(self, record: ImageRecord, jobs: Sequence[str] = ()) -> None:
        """The image's row and its background jobs, inside the caller's transaction."""
        row = asdict(record)
        self._db().conn.execute(f"insert into images ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                                list(row.values()))
        for kind in jobs:
            self.add_job(record.id, kind, record.created_at)

    def image(self, user_id: int, image_id: str) -> ImageRecord | None:
        rows = list(self._db().table("images").rows_where("id = ? and user_id = ?", [image_id, user_id]))
        return ImageRecord(**rows[0]) if rows else None

    def images(
        self, user_id: int, offset: int, limit: int, query: str = "", folder: str = ""
    ) -> tuple[list[ImageRecord], int]:
        """One page of a user's images, newest first. ``query``: only those whose file name or public id
        contains it (any case), or whose id is it; ``folder``: only those in it or in its subfolders."""
        where = "user_id = ?"
        params: list[Any] = [user_id]
        if query:
            where += " and (filename like ? escape '\\' or public_id like ? escape '\\' or id = ?)"
            params += [f"%{_like(query)}%", f"%{_like(query)}%", query]
        if folder:  # case-sensitive, as public ids are (LIKE is not)
            where += " and substr(public_id, 1, ?) = ?"
            params += [len(folder) + 1, folder + "/"]
        table = self._db().table("images")
        total = self._db().execute(f"select count(*) from images where {where}", params).fetchone()[0]
        rows = table.rows_where(where, params, order_by="created_at desc, rowid desc", limit=limit, offset=offset)
        return [ImageRecord(**row) for row in rows], int(total)

    def folders(self, user_id: int) -> dict[str, int]:
        """Every folder of the user's public ids (parents included) with the images in it or below."""
        counts: dict[str, int] = {}
        rows = self._db().execute("select public_id from images where user_id = ? and public_id like '%/%'", [user_id])
        for (public_id,) in rows:
            parts = public_id.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                path = "/".join(parts[:depth])
                counts[path] = counts.get(path, 0) + 1
        return dict(sorted(counts.items()))

    def image_by_hash(self, user_id: int, sha256: str) -> ImageRecord | None:
        rows = list(self._db().table("images").rows_where("user_id = ? and sha256 = ?", [user_id, sha256], limit=1))
        return ImageRecord(**rows[0]) if rows else None

    def bytes_used(self, user_id: int) -> int:
        """Total size of a user's originals (the quota check)."""
        row = self._db().execute("select coalesce(sum(bytes), 0) from images where user_id = ?", [user_id]).fetchone()
        return int(row[0])

    def set_summary(self, image_id: str, colors: str, blurhash: str, placeholder: str) -> bool:
        """Store the colour summary computed after the upload; False if the image is gone meanwhile."""
        cursor = self._db().execute(
            "update images set colors = ?, blurhash = ?, placeholder = ? where id = ?",
            [colors, blurhash, placeholder, image_id],
        )
        return cursor.rowcount > 0

    def delete_image(self, user_id: int, image_id: str) -> bool:
        cursor = self._db().execute("delete from images where id = ? and user_id = ?", [image_id, user_id])
        return cursor.rowcount > 0

    def all_image_ids(self) -> set[str]:
        return {row[0] for row in self._db().execute("select id from images")}

    def delete_image_any(self, image_id: str) -> None:
        self._db().execute("delete from images where id = ?", [image_id])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction on this thread's connection: committed at the end, rolled back if the
        block raises."""
        conn = self._db().conn
        conn.execute("begin immediate")  # autocommit connection: the transaction must be explicit
        try:
            yield
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")

    def quarantine_image(self, image_id: str, reason: str, now: str) -> None:
        """Move the row out of service (in one transaction), whole, with the reason."""
        db = self._db()
        with self.transaction():
            row = next(db.query("select * from images where id = ?", [image_id]), None)
            if row is None:
                return
            db.execute(
                "insert or replace into quarantine (image_id, user_id, row, reason, quarantined_at)"
                " values (?, ?, ?, ?, ?)", [image_id, row["user_id"], json.dumps(row), reason, now],
            )
            db.execute("delete from images where id = ?", [image_id])

    def quarantined(self) -> dict[str, str]:
        """Image id -> why it is in quarantine."""
        return {row[0]: row[1] for row in self._db().execute("select image_id, reason from quarantine")}

    def restore_image(self, image_id: str) -> bool:
        """Put a quarantined row back; False (and the row is dropped) when its user no longer exists."""
        db = self._db()
        with self.transaction():
            found = db.execute("select row from quarantine where image_id = ?", [image_id]).fetchone()
            if found is None:
                return False
            db.execute("delete from quarantine where image_id = ?", [image_id])
            row = json.loads(found[0])
            if db.execute("select 1 from users where id = ?", [row["user_id"]]).fetchone() is None:
                return False
            columns = [name for name in row if name in db.table("images").columns_dict]
            db.execute(
                f"insert or ignore into images ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                [row[name] for name in columns],
            )
        return True

    def ping(self) -> None:
        self._db().execute("select 1").fetchone()

    # eager derivations: a small durable work queue (see imgorigin/services/eager.py)

    def add_eager(self, image_id: str, items: list[tuple[str, str]], now: str) -> None:
        with self._db().conn:
            self._db().conn.executemany(
                "insert or ignore into eager (image_id, transformation, format, created_at, updated_at)"
                " values (?, ?, ?, ?, ?)",
                [(image_id, transformation, fmt, now, now) for transformation, fmt in items],
            )

    def pending_eager(self, user_id: int) -> int:
        """Eager renders of a user's images not yet done (an upload asking for more is refused)."""
        row = self._db().execute(
            "select count(*) from eager join images on images.id = eager.image_id"
            " where images.user_id = ? and eager.state = 'pending' and eager.kind = ?", [user_id, RENDER_JOB],
        ).fetchone()
        return int(row[0])

    def image_owner(self, image_id: str) -> int | None:
        row = self._db().execute("select user_id from images where id = ?", [image_id]).fetchone()
        return None if row is None else int(row[0])

    def postpone_eager(self, job_id: int, not_before: float, now: str) -> None:
        """Put a leased job back until ``not_before`` without counting the attempt (its owner's render
        budget was spent: nothing was tried)."""
        self._db().execute(
            "update eager set lease_until = ?, attempts = attempts - 1, updated_at = ?"
            " where id = ? and state = 'pending'",
            [not_before, now, job_id],
        )

    def add_job(self, image_id: str, kind: str, now: str) -> None:
        """A job with no transformation of its own (``LEVELS_JOB``), at most one per image and kind."""
        self._db().execute(
            "insert or ignore into eager (image_id, transformation, format, kind, created_at, updated_at)"
            " values (?, '', '', ?, ?, ?)",
            [image_id, kind, now, now],
        )

    def eager_for(self, image_id: str, kind: str = RENDER_JOB) -> list[EagerJob]:
        rows = self._db().execute(
            f"select {_EAGER_COLUMNS} from eager where image_id = ? and kind = ? order by id", [image_id, kind]
        )
        return [EagerJob(*row) for row in rows]

    def claim_eager(self, limit: int, lease_seconds: float, now: float) -> list[EagerJob]:
        """Lease up to ``limit`` pending jobs. One statement, so two workers never claim the same job;
        a worker that dies mid-job lets its lease run out and the job is claimed again."""
        # Idle polling stays a read (no write lock on the database) until there is something to take.
        if self._db().execute(
            "select 1 from eager where state = 'pending' and (lease_until is null or lease_until < ?) limit 1",
            [now],
        ).fetchone() is None:
            return []
        rows = self._db().execute(
            "update eager set lease_until = ?, attempts = attempts + 1 where id in ("
            " select id from eager where state = 'pending' and (lease_until is null or lease_until < ?)"
            f" order by id limit ?) returning {_EAGER_COLUMNS}",
            [now + lease_seconds, now, limit],
        ).fetchall()
        return sorted((EagerJob(*row) for row in rows), key=lambda job: job.id)

    def finish_eager(self, job_id: int, state: str, error: str | None, now: str) -> None:
        self._db().execute(
            "update eager set state = ?, error = ?, lease_until = null, updated_at = ? where id = ?",
            [state, error, now, job_id],
        )

    def retry_eager(self, job_id: int, not_before: float, error: str, now: str) -> None:
        self._db().execute(
            "update eager set lease_until = ?, error = ?, updated_at = ? where id = ? and state = 'pending'",
            [not_before, error, now, job_id],
        )


_USER_COLUMNS = "id, username, created_at, token_version"
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
def _exclusive(lock_path: Path) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
