"""Stored images by public id, as the Upload and Admin APIs change them: destroy, rename, bulk delete.

Each runs in a worker thread. Rows change first, in one transaction; then the published public ids
(what render nodes read), then files: a crash between leaves only files without rows, which
``imgorigin doctor`` collects, never a public id that points at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from imgorigin.clouds.publicids import check_public_id
from imgorigin.clouds.records import image_by_public_id
from imgorigin.clouds.state import Pointer, Publisher
from imgorigin.errors import Conflict, NotFound
from imgorigin.services.library import Library
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord, User


@dataclass(frozen=True)
class Assets:
    """An account's stored images by public id: the rows, the library's files, the published pointers."""

    db: Database
    library: Library
    publisher: Publisher

    def require(self, user: User, public_id: str) -> ImageRecord:
        record = image_by_public_id(self.db, user.id, public_id) if public_id else None
        if record is None:
            raise NotFound(f"Resource not found - {public_id[:255]}", code="resource_not_found")
        return record

    def existing(self, user: User, public_ids: list[str]) -> list[ImageRecord]:
        """The account's images among ``public_ids`` (others, including other accounts', are left out)."""
        found = (image_by_public_id(self.db, user.id, public_id) for public_id in dict.fromkeys(public_ids))
        return [record for record in found if record is not None]

    def destroy(self, user: User, public_id: str) -> bool:
        if not public_id or image_by_public_id(self.db, user.id, public_id) is None:
            return False
        try:
            self.library.delete_image(user.id, public_id)
        except NotFound:
            return False  # deleted by a concurrent call
        return True

    def rename(self, user: User, from_id: str, to_id: str, overwrite: bool) -> ImageRecord:
        """Give an image a new public id; an image already under it is replaced only with ``overwrite``."""
        check_public_id(to_id, "to_public_id")
        conn = self.db.connection()
        with self.db.transaction():
            source = image_by_public_id(self.db, user.id, from_id) if from_id else None
            if source is None:
                raise NotFound(f"Resource not found - {from_id[:255]}", code="resource_not_found")
            target = image_by_public_id(self.db, user.id, to_id)
            if target is not None and target.id != source.id:
                if not overwrite:
                    raise Conflict(f"Resource already exists - {to_id}", code="public_id_exists")
                conn.execute("delete from images where id = ?", [target.id])
            conn.execute("update images set public_id = ? where id = ?", [to_id, source.id])
        self.publisher.remove_pointer(user.username, from_id)
        version = int(source.version or 1)
        self.publisher.pointer(user.username, to_id, Pointer(source.id, version, source.format))
        if target is not None and target.id != source.id:
            self.library.remove_files(target.id)
        renamed = image_by_public_id(self.db, user.id, to_id)
        assert renamed is not None
        return renamed

    def delete_many(self, user: User, public_ids: list[str]) -> dict[str, str]:
        """Cloudinary's ``deleted`` map: each public id -> ``deleted`` or ``not_found``."""
        return {public_id: "deleted" if self.destroy(user, public_id) else "not_found"
                for public_id in dict.fromkeys(public_ids)}

    def public_ids_under(self, user: User, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` public ids starting with ``prefix`` ("" for all), in order."""
        rows = self.db.connection().execute(
            "select public_id from images where user_id = ? and public_id >= ? and public_id < ?"
            " order by public_id limit ?", [user.id, prefix, prefix + "\U0010ffff", limit],
        )
        return [row[0] for row in rows]
