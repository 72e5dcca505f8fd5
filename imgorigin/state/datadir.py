"""The data directory's shared state, initialised once by ``imgorigin serve`` before its workers start.

Workers starting together on a fresh directory raced to create the database schema and the diskcache
files (``database is locked`` in one start of five with two workers). Doing it here, in the one process
that exists before uvicorn forks, leaves the workers nothing to create. The migrations also hold a file
lock, so a server started some other way (uvicorn by hand) is still safe. pyvips is not imported here:
the supervising process stays small.
"""

from __future__ import annotations

import os
import stat

from imgorigin.config import Settings
from imgorigin.environment import private_dir
from imgorigin.state.cache import DerivedCache
from imgorigin.state.db import Database
from imgorigin.state.metrics import Metrics
from imgorigin.state.ratelimit import RateLimiter


def initialise(settings: Settings) -> None:
    tighten(settings.data_dir)
    for directory in (settings.state_dir, settings.cache_dir, settings.data_dir / "tmp"):
        private_dir(directory)
    if settings.storage == "local":
        private_dir(settings.originals_dir)
    if settings.serves_control:  # a render node never opens SQLite
        Database(settings.db_path).close()
    DerivedCache(settings.cache_dir, settings.cache_size).close()
    RateLimiter(settings.state_dir).close()
    Metrics(settings.state_dir / "metrics", gauges=dict).close()


def tighten(directory: os.PathLike[str]) -> None:
    """A data directory made before it was created 0700 (or by a volume mount) loses its group and
    other permissions, when it belongs to the service user; anyone else's directory is left alone."""
    info = os.stat(directory)
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(directory, stat.S_IMODE(info.st_mode) & 0o700)
