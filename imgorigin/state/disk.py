"""Free space on the data directory's filesystem: a floor kept free, and "disk full" told apart from bugs.

A full disk is an operating condition, not a bug: writes answer 507 with a clear message (uploads and
sign-ups are refused up front below the floor), ``/readyz`` reports it so a balancer routes around the
node, and the derived-image cache shrinks to stay above it (``DerivedCache``).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from imgorigin.errors import InsufficientStorage

# ENOSPC: the filesystem is full; EDQUOT: the user's quota is; EFBIG: a file-size limit (RLIMIT_FSIZE).
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
MESSAGE = "The server is out of disk space; retry later"
RETRY_AFTER = 60


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def low_disk(path: Path, minimum: int) -> str | None:
    """Why the filesystem of ``path`` is below ``minimum`` free bytes, or None."""
    free = free_bytes(path)
    if free >= minimum:
        return None
    return f"low disk space ({free // 1024**2} MiB free, IMGORIGIN_MIN_FREE_DISK is {minimum // 1024**2} MiB)"


def require_space(path: Path, minimum: int, incoming: int = 0) -> None:
    """507 before accepting a write that would take the filesystem of ``path`` below ``minimum``."""
    if free_bytes(path) - incoming < minimum:
        raise InsufficientStorage(MESSAGE, retry_after=RETRY_AFTER, detail=low_disk(path, minimum + incoming))


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc``, or what caused it, is a write refused for lack of space."""
    seen: BaseException | None = exc
    for _ in range(8):  # the cause chain; bounded, as a chain can loop
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno in _FULL:
            return True
        if isinstance(seen, sqlite3.OperationalError) and "disk is full" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
