"""Where originals live, behind one narrow protocol: local disk (default) or S3/MinIO.

Keys are derived from the image id alone (``originals/<id>``), so the delivery plane finds an original
without asking the database. ``put`` is atomic: a reader sees the whole object or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from imgorigin.blob import Blob

if TYPE_CHECKING:
    from imgorigin.config import Settings


class Storage(Protocol):
    def put(self, key: str, source: Path) -> None:
        """Store the file at ``source`` under ``key`` atomically (the source may be moved)."""

    def get(self, key: str) -> Blob | None:
        """The object's bytes (or a local path to them), or None if there is no such object."""

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (for ``imgorigin doctor``)."""

    def ping(self) -> None:
        """Raise ``Unavailable`` if the store cannot be reached."""


def original_key(image_id: str) -> str:
    return f"originals/{image_id}"


PYRAMID_PREFIX = "pyramid"


def pyramid_key(image_id: str, denominator: int) -> str:
    """A reduced level of an original (1/``denominator`` of its upright size); see transform/levels.py."""
    return f"{PYRAMID_PREFIX}/{image_id}_{denominator}"


def header_key(image_id: str) -> str:
    """The original's header facts, stored with its levels: a render that a level serves reads only these
    and that level, never the original (which on S3 would be a download of the whole file)."""
    return f"{PYRAMID_PREFIX}/{image_id}_header"


def make_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        from imgorigin.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from imgorigin.storage.local import LocalStorage

    return LocalStorage(settings.data_dir)
