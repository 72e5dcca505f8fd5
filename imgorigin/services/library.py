"""The image library of the control plane: storing uploads, listing, finding and deleting images.

An upload is checked completely before anything is kept: the type is sniffed by libvips from the
bytes, the header checked against the caps, every pixel decoded once. It is then written under a
temporary name, renamed into place, and only then recorded in the database; if recording fails the
file is removed. A crash between rename and commit leaves an orphan file, which ``imgorigin doctor``
removes; a row never points at a missing file.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import string
import time
from datetime import UTC, datetime
from pathlib import Path

from imgorigin.blob import Blob
from imgorigin.clouds.publicids import Naming
from imgorigin.clouds.records import find_image, image_by_public_id, insert_named
from imgorigin.clouds.state import Pointer, Publisher
from imgorigin.errors import Conflict, NotFound
from imgorigin.info.summary import summarize
from imgorigin.services.ingest import Ingest
from imgorigin.services.pyramid import delete_levels
from imgorigin.state.cache import DerivedCache
from imgorigin.state.db import Database
from imgorigin.state.records import LEVELS_JOB, EagerJob, ImageRecord
from imgorigin.storage import Storage, original_key
from imgorigin.transform.exprplan import Program
from imgorigin.transform.levels import PyramidPolicy
from imgorigin.transform.source import read_header, verify_decodes
from imgorigin.transform.transformation import Transformation

_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 16  # 62^16, about 95 bits: unguessable
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def new_image_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH))


def now_iso() -> str:
    return iso_at(datetime.now(UTC).timestamp())


def iso_at(seconds: float) -> str:
    """A Unix time in the form every stored timestamp has (fixed width, so the strings sort as times)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def clean_filename(name: str | None) -> str:
    """The client's filename is metadata only: keep its last path part, printable, 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("", base).strip()
    return base[:255] or "upload"


class Library:
    """The control plane's images: what it stores, finds and deletes, over the database, the store of
    originals, the derived-image cache and the state published for render nodes."""

    def __init__(self, db: Database, storage: Storage, cache: DerivedCache, publisher: Publisher, ingest: Ingest,
                 render_timeout: float) -> None:
        self.db = db
        self.storage = storage
        self.cache = cache
        self.publisher = publisher
        self.ingest = ingest
        self.render_timeout = render_timeout

    def store_upload(self, user_id: int, filename: str, spooled: Path, sha256: str,
                     naming: Naming | None = None) -> ImageRecord:
        """Check and keep an uploaded file under the public id ``naming`` chooses (runs in a worker thread).

        ``spooled`` is consumed. The public id is the image's random id unless ``naming`` (Cloudinary's
        ``public_id``, ``folder``, ``use_filename``, ``unique_filename``) chooses one; an image already under
        that public id is replaced when ``naming.overwrite`` (the version goes up, its files and derivatives
        go) and is a 409 otherwise. The public id is published for render nodes before this returns.

        Pyramid levels, and the summary of an original that gets levels, are left to a job recorded with
        the row (imgorigin/services/ingest.py): the upload answers once the original is verified and stored.
        """
        try:
            naming = naming or Naming()
            user = self.db.user(user_id)
            if user is None:
                raise NotFound("No such account", code="account_not_found")
            image_id = new_image_id()
            public_id = naming.choose(clean_filename(filename), image_id)
            existing = image_by_public_id(self.db, user_id, public_id)
            if existing is not None and not naming.overwrite:  # before the decode; insert_named checks again
                raise _exists(public_id)
            version = max(int(time.time()), (existing.version or 0) + 1 if existing else 0)
            blob = Blob(path=spooled)
            header = read_header(blob, self.ingest.source_limits)
            verify_decodes(blob, header, timeout=self.render_timeout)
            later = self.ingest.deferred(header)
            summary = None if later else summarize(blob)
            size = spooled.stat().st_size
            key = original_key(image_id)
            self.storage.put(key, spooled)
            record = ImageRecord(
                id=image_id, user_id=user_id, filename=clean_filename(filename), format=header.format,
                width=header.width, height=header.height, pages=header.pages, bytes=size, sha256=sha256,
                created_at=now_iso(),
                colors=summary.colors_json() if summary else None,
                blurhash=summary.blurhash if summary else None,
                placeholder=summary.placeholder if summary else None,
                public_id=public_id, version=version,
            )
            try:
                jobs = (LEVELS_JOB,) if later else ()
                replaced = self._record(record, naming.overwrite, existing is not None, jobs)
            except BaseException:
                self.storage.delete(key)
                raise
        finally:
            spooled.unlink(missing_ok=True)
        self.publisher.pointer(user.username, public_id, Pointer(image_id, version, record.format))
        if replaced is not None:
            self.remove_files(replaced.id)
        return record

    def _record(self, record: ImageRecord, overwrite: bool, replacing: bool,
                jobs: tuple[str, ...]) -> ImageRecord | None:
        """Commit the row and its jobs; the image it replaces (if any) is returned for its files to go."""
        if not replacing:
            try:
                self.db.add_image(record, jobs)
                return None
            except sqlite3.IntegrityError:  # another upload took the public id since the check
                if not overwrite:
                    raise _exists(record.public_id) from None
        return insert_named(self.db, record, overwrite, jobs)

    def get_image(self, user_id: int, image_id: str) -> ImageRecord:
        """One of the account's images, by public id or by its storage id."""
        record = self.find(user_id, image_id)
        if record is None:
            raise NotFound("No such image", code="image_not_found")
        return record

    def find(self, user_id: int, image_id: str) -> ImageRecord | None:
        return find_image(self.db, user_id, image_id)

    def page(self, user_id: int, offset: int, limit: int, query: str = "", folder: str = "",
             tag: str = "") -> tuple[list[ImageRecord], int]:
        """One page of the account's images and their total (``Database.images``)."""
        return self.db.images(user_id, offset, limit, query, folder, tag)

    def by_hash(self, user_id: int, sha256: str) -> ImageRecord | None:
        """The account's image with these bytes, if any (lets a client skip what it uploaded)."""
        return self.db.image_by_hash(user_id, sha256)

    def eager_jobs(self, image_id: str) -> list[EagerJob]:
        return self.db.eager_for(image_id)

    def original(self, image_id: str) -> Blob | None:
        """The stored original's bytes (or file), None when storage has lost it."""
        return self.storage.get(original_key(image_id))

    def require_own_layers(self, user_id: int, plan: Transformation | Program) -> None:
        """Signing a URL with ``l_<id>`` publishes that image: only its owner may do it."""
        for layer_id in plan.layer_ids():
            if self.db.image(user_id, layer_id) is None:
                raise NotFound(f"No such overlay image: l_{layer_id}", code="layer_not_found")

    def delete_image(self, user_id: int, image_id: str) -> None:
        """Row first: once it is gone the image is gone for its owner, whatever happens to the file."""
        record = find_image(self.db, user_id, image_id)
        user = self.db.user(user_id)
        if record is None or user is None or not self.db.delete_image(user_id, record.id):
            raise NotFound("No such image", code="image_not_found")
        if record.public_id is not None:
            self.publisher.remove_pointer(user.username, record.public_id)
        self.remove_files(record.id)

    def remove_files(self, image_id: str) -> None:
        """Everything stored for an image whose row is already gone: original, pyramid levels, derivatives."""
        self.storage.delete(original_key(image_id))
        delete_levels(self.storage, image_id, self.ingest.pyramid or PyramidPolicy())
        self.cache.evict_image(image_id)


def _exists(public_id: str | None) -> Conflict:
    return Conflict(f"An image with public id {public_id!r} already exists (overwrite is false)",
                    code="public_id_exists")
