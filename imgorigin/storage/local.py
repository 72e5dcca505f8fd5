"""Originals on local disk, fanned out by the first two characters of the id."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from imgorigin.blob import Blob
from imgorigin.errors import Unavailable

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path_for(self, key: str) -> Path:
        if not key or not set(key) <= _SAFE or ".." in key or key.startswith("/"):
            raise ValueError(f"unsafe storage key {key!r}")
        prefix, _, name = key.rpartition("/")
        return self.root / prefix / name[:2] / name

    def put(self, key: str, source: Path) -> None:
        target = self.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if source.parent == self.tmp:  # an upload spooled here already: fsync and rename, no copy
            with open(source, "rb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                os.fsync(handle.fileno())
            os.replace(source, target)
            return
        # Same filesystem as the target, so the final rename is atomic.
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="put-")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            shutil.copyfile(source, tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, key: str) -> Blob | None:
        path = self.path_for(key)
        return Blob(path=path) if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if not base.is_dir():
            return
        for path in sorted(base.glob("*/*")):
            if path.is_file():
                yield f"{prefix}/{path.name}"

    def ping(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise Unavailable("Storage is not writable", retry_after=5, code="storage_unavailable")
