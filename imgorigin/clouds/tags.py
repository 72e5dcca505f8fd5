"""Tags and contextual metadata of images (Cloudinary's ``tags`` and ``context``), in their own tables.

Both follow Cloudinary's wire formats: tags as a comma-separated list (or a list), context as
``key=value`` pairs separated by ``|``, with ``\\=`` and ``\\|`` escaping those characters in values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from imgorigin.errors import BadRequest
from imgorigin.state.db import Database

MAX_TAG = 255
MAX_TAGS = 100  # per image
MAX_CONTEXT_KEY = 128
MAX_CONTEXT_VALUE = 1024
MAX_CONTEXT = 50
_PIPE = re.compile(r"(?<!\\)\|")
_EQUALS = re.compile(r"(?<!\\)=")


def parse_tags(values: Iterable[str]) -> list[str]:
    """Tags from ``tags=a,b`` or ``tags[]=a&tags[]=b``: trimmed, de-duplicated, in order."""
    tags: list[str] = []
    for value in values:
        for tag in value.split(","):
            tag = tag.strip()
            if not tag:
                continue
            if len(tag) > MAX_TAG or not tag.isprintable():
                raise BadRequest(f"A tag must be 1-{MAX_TAG} printable characters", code="invalid_tag")
            if tag not in tags:
                tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise BadRequest(f"An image may have at most {MAX_TAGS} tags", code="invalid_tag")
    return tags


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_context(text: str) -> dict[str, str]:
    """``alt=A cat|caption=On a mat \\| rug`` -> {"alt": "A cat", "caption": "On a mat | rug"}."""
    context: dict[str, str] = {}
    for pair in _PIPE.split(text):
        if not pair.strip():
            continue
        parts = _EQUALS.split(pair, maxsplit=1)
        key = _unescape(parts[0]).strip()
        if len(parts) != 2 or not key:
            raise BadRequest("context must be key=value pairs separated by '|'", code="invalid_context")
        value = _unescape(parts[1])
        if len(key) > MAX_CONTEXT_KEY or len(value) > MAX_CONTEXT_VALUE or not key.isprintable():
            raise BadRequest(f"A context key may have {MAX_CONTEXT_KEY} printable characters and a value "
                             f"{MAX_CONTEXT_VALUE}", code="invalid_context")
        context[key] = value
    if len(context) > MAX_CONTEXT:
        raise BadRequest(f"At most {MAX_CONTEXT} context keys", code="invalid_context")
    return context


def set_tags(db: Database, image_id: str, tags: Sequence[str]) -> None:
    conn = db.connection()
    with db.transaction():
        conn.execute("delete from image_tags where image_id = ?", [image_id])
        conn.executemany("insert into image_tags (image_id, tag) values (?, ?)", [(image_id, t) for t in tags])


def set_context(db: Database, image_id: str, context: dict[str, str]) -> None:
    conn = db.connection()
    with db.transaction():
        conn.execute("delete from image_context where image_id = ?", [image_id])
        conn.executemany("insert into image_context (image_id, key, value) values (?, ?, ?)",
                         [(image_id, k, v) for k, v in context.items()])


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def tags_of(db: Database, image_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {image_id: [] for image_id in image_ids}
    for start in range(0, len(image_ids), 500):
        chunk = list(image_ids[start:start + 500])
        rows = db.connection().execute(
            f"select image_id, tag from image_tags where image_id in ({_marks(len(chunk))}) order by rowid", chunk
        )
        for image_id, tag in rows:
            found[image_id].append(tag)
    return found


def context_of(db: Database, image_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {image_id: {} for image_id in image_ids}
    for start in range(0, len(image_ids), 500):
        chunk = list(image_ids[start:start + 500])
        rows = db.connection().execute(
            f"select image_id, key, value from image_context where image_id in ({_marks(len(chunk))})"
            " order by rowid", chunk,
        )
        for image_id, key, value in rows:
            found[image_id][key] = value
    return found


def change_tags(db: Database, user_id: int, image_ids: Sequence[str], command: str, tags: Sequence[str]) -> None:
    """Cloudinary's tags commands on some images: add, remove, replace, remove_all, set_exclusive."""
    conn = db.connection()
    with db.transaction():
        if command in ("replace", "remove_all"):
            conn.executemany("delete from image_tags where image_id = ?", [(i,) for i in image_ids])
        if command == "set_exclusive":
            # The tag moves to these images: every other image of the same account loses it.
            conn.executemany(
                "delete from image_tags where tag = ? and image_id in (select id from images where user_id = ?)",
                [(t, user_id) for t in tags],
            )
        if command == "remove":
            conn.executemany("delete from image_tags where image_id = ? and tag = ?",
                             [(i, t) for i in image_ids for t in tags])
        elif command in ("add", "replace", "set_exclusive"):
            conn.executemany("insert or ignore into image_tags (image_id, tag) values (?, ?)",
                             [(i, t) for i in image_ids for t in tags])
        over = conn.execute(
            f"select image_id from image_tags where image_id in ({_marks(len(image_ids))})"
            f" group by image_id having count(*) > {MAX_TAGS} limit 1", list(image_ids),
        ).fetchone() if image_ids else None
        if over is not None:
            raise BadRequest(f"An image may have at most {MAX_TAGS} tags", code="invalid_tag")
