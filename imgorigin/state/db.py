"""Users and image metadata in SQLite (WAL), through sqlite-utils.

Only the control plane touches this. Each thread gets its own connection; calls are short and run
in worker threads, never on the event loop.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlite_utils

from imgorigin.errors import Conflict
from imgorigin.state.jobs import EagerQueue
from imgorigin.state.records import ImageRecord, User
from imgorigin.state.schema import exclusive, migrate


def _like(text: str) -> str:
    """``text`` matched literally by LIKE ... ESCAPE '\\': its wildcards are plain characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Database(EagerQueue):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        # Every live thread's connection, for close(); a thread that ends drops its own (weakly held).
        self._opened: weakref.WeakSet[sqlite_utils.Database] = weakref.WeakSet()
        self._opened_lock = threading.Lock()
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # -wal and -shm get the same mode
        # Workers starting together on a fresh directory migrate one at a time (the first does the work).
        with exclusive(path.with_name(path.name + ".migrate.lock")):
            migrate(self._db())

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
            with self._opened_lock:
                self._opened.add(db)
        return db

    def close(self) -> None:
        """Close every thread's connection (at shutdown). A later call opens new ones."""
        with self._opened_lock:
            opened, self._opened = list(self._opened), weakref.WeakSet()
            self._local = threading.local()
        for db in opened:
            db.conn.close()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: transactions are explicit), for the other tables' modules."""
        return self._db().conn

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
        self, user_id: int, offset: int, limit: int, query: str = "", folder: str = "", tag: str = ""
    ) -> tuple[list[ImageRecord], int]:
        """One page of a user's images, newest first. ``query``: only those whose file name or public id
        contains it (any case), or whose id is it; ``folder``: only those in it or in its subfolders;
        ``tag``: only those with exactly this tag (case-sensitive, as Cloudinary's tags are)."""
        where = "user_id = ?"
        params: list[Any] = [user_id]
        if tag:
            where += " and id in (select image_id from image_tags where tag = ?)"
            params.append(tag)
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

    def tags(self, user_id: int, limit: int) -> dict[str, int]:
        """The user's tags (the first ``limit`` by name) with the images that carry each."""
        rows = self._db().execute(
            "select tag, count(*) from image_tags where image_id in (select id from images where user_id = ?)"
            " group by tag order by tag limit ?", [user_id, limit],
        )
        return {tag: int(count) for tag, count in rows}

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

_USER_COLUMNS = "id, username, created_at, token_version"
