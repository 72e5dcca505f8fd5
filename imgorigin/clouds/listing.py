"""Listing an account's images as Cloudinary's Admin API pages them: by public id prefix, by tag, by folder.

Pages are keyset pages: ``next_cursor`` is an opaque token holding the last row's sort key, so a page
costs one indexed range read however deep it is, and rows added meanwhile never shift a page. As in
Cloudinary, a listing by prefix is sorted by public id; otherwise by creation time, newest first unless
``direction`` says ``asc``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, fields

from imgorigin.errors import BadRequest
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord

_COLUMNS = ", ".join(f"images.{f.name}" for f in fields(ImageRecord))
_TOP = "\U0010ffff"  # sorts after every character: [prefix, prefix + _TOP) is the prefix's range


@dataclass(frozen=True)
class Page:
    records: list[ImageRecord]
    next_cursor: str | None


def _encode(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[str]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        values = None
    if not (isinstance(values, list) and len(values) == size and all(isinstance(v, str) for v in values)):
        raise BadRequest("Invalid next_cursor", code="invalid_cursor")
    return values


def list_images(db: Database, user_id: int, *, prefix: str = "", tag: str | None = None, ascending: bool = False,
                limit: int = 10, cursor: str | None = None) -> Page:
    where = ["images.user_id = ?"]
    args: list[object] = [user_id]
    join = ""
    if tag is not None:
        join = " join image_tags on image_tags.image_id = images.id and image_tags.tag = ?"
        args.insert(0, tag)
    if prefix:
        where.append("images.public_id >= ? and images.public_id < ?")
        args += [prefix, prefix + _TOP]
        order, key_size = "images.public_id", 1
        if cursor:
            where.append("images.public_id > ?")
            args += _decode(cursor, 1)
    else:
        sign = ">" if ascending else "<"
        direction = "asc" if ascending else "desc"
        order, key_size = f"images.created_at {direction}, images.id {direction}", 2
        if cursor:
            created_at, image_id = _decode(cursor, 2)
            where.append(f"(images.created_at {sign} ? or (images.created_at = ? and images.id {sign} ?))")
            args += [created_at, created_at, image_id]
    rows = db.connection().execute(
        f"select {_COLUMNS} from images{join} where {' and '.join(where)} order by {order} limit ?",
        [*args, limit + 1],
    ).fetchall()
    records = [ImageRecord(*row) for row in rows[:limit]]
    more = len(rows) > limit
    if not more or not records:
        return Page(records, None)
    last = records[-1]
    key = [str(last.public_id)] if key_size == 1 else [last.created_at, last.id]
    return Page(records, _encode(key))


def folders(db: Database, user_id: int, parent: str = "") -> list[str]:
    """The folders directly under ``parent`` ("" for the root), from the public ids that use them."""
    start = parent + "/" if parent else ""
    rows = db.connection().execute(
        "select distinct substr(rest, 1, instr(rest, '/') - 1) from ("
        " select substr(public_id, ?) as rest from images where user_id = ? and public_id >= ? and public_id < ?"
        ") where instr(rest, '/') > 1 order by 1",
        [len(start) + 1, user_id, start, start + _TOP],
    )
    return [row[0] for row in rows]


def folder_exists(db: Database, user_id: int, path: str) -> bool:
    start = path + "/"
    row = db.connection().execute(
        "select 1 from images where user_id = ? and public_id >= ? and public_id < ? limit 1",
        [user_id, start, start + _TOP],
    ).fetchone()
    return row is not None


def account_totals(db: Database, user_id: int) -> tuple[int, int]:
    """(images, bytes of originals) of an account."""
    count, size = db.connection().execute(
        "select count(*), coalesce(sum(bytes), 0) from images where user_id = ?", [user_id]
    ).fetchone()
    return int(count), int(size)
