"""Renders that failed for good, remembered by cache key for a while, in diskcache shared by the host's workers."""

from __future__ import annotations

import contextlib
from pathlib import Path

import diskcache

from imgorigin import errors


class FailureMemo:
    """Renders that failed for good, by cache key, for ``ttl`` seconds: asking again gets the same
    answer at once instead of the same work (all workers of the host share it)."""

    def __init__(self, directory: Path, ttl: float) -> None:
        self.ttl = ttl
        self._cache = diskcache.Cache(str(directory), statistics=False, size_limit=16 * 1024**2)

    def put(self, key: str, error: errors.ImgOriginError) -> None:
        if self.ttl > 0:
            with contextlib.suppress(Exception):  # only an optimisation: a full disk must not fail the request
                self._cache.set(key, (type(error).__name__, error.status, error.code, error.message), expire=self.ttl)

    def get(self, key: str) -> errors.ImgOriginError | None:
        if self.ttl <= 0:
            return None
        found = self._cache.get(key)
        if found is None:
            return None
        kind, status, code, message = found
        error_class = getattr(errors, kind, errors.ImgOriginError)
        error: errors.ImgOriginError = error_class(message, code=code)
        error.status = status
        return error

    def close(self) -> None:
        self._cache.close()
