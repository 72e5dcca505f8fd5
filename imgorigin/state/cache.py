"""Shared on-disk state of all workers on one host, in diskcache: derived images and rate-limit buckets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sqlite3
import time
from collections import OrderedDict
from pathlib import Path

import diskcache

from imgorigin import errors
from imgorigin.state.disk import free_bytes, is_disk_full
from imgorigin.transform.values import OutputFormat

log = logging.getLogger("imgorigin.cache")

# Small derivatives stay inside diskcache's SQLite file (one read per hit); larger ones become files.
_INLINE_LIMIT = 256 * 1024
_LAYER_REF = "layer-ref:"


class DerivedCache:
    """Rendered images by cache key, size-capped, tagged with their image id for eviction on delete.

    Eviction is least-recently-stored rather than LRU: LRU would turn every cache hit into a write to
    the shared SQLite file, and hits are the hot path of the whole service.

    The cap is also held against free space: before each store it becomes at most what the cache holds
    plus what the disk has free above ``min_free``, so a disk shared with originals and the database
    fills with derivatives only up to that floor (older entries are evicted first, as for the cap).
    """

    def __init__(self, directory: Path, size_limit: int, min_free: int = 0) -> None:
        self.directory = directory
        self.size_limit = size_limit
        self.min_free = min_free
        self.enabled = size_limit > 0
        self._cache = diskcache.Cache(
            str(directory),
            size_limit=max(size_limit, 1),
            eviction_policy="least-recently-stored",
            tag_index=True,
            disk_min_file_size=_INLINE_LIMIT,
            statistics=False,
        ) if self.enabled else None

    def get(self, key: str) -> tuple[OutputFormat, bytes] | None:
        if self._cache is None:
            return None
        value = self._cache.get(key)
        if value is None:
            return None
        fmt, data = value
        return OutputFormat(fmt), data

    def __contains__(self, key: str) -> bool:
        return self._cache is not None and key in self._cache

    def put(self, key: str, fmt: OutputFormat, data: bytes, image_id: str, layers: tuple[str, ...] = ()) -> None:
        if self._cache is not None and self._fits(len(data)):
            self._cache.set(key, (fmt.value, data), tag=image_id)
            # An entry has one tag: the images drawn as overlays get a small pointer tagged with theirs,
            # so deleting an overlay image also drops every derivative that shows it.
            for layer in set(layers) - {image_id}:
                self._cache.set(f"{_LAYER_REF}{layer}:{key}", key, tag=layer)

    def discard(self, key: str) -> None:
        if self._cache is not None:
            self._cache.delete(key)

    def _fits(self, size: int) -> bool:
        """Set the cap from free space (evicting down to it), and whether ``size`` more bytes fit."""
        assert self._cache is not None
        if not self.min_free:
            return True
        volume: int = self._cache.volume()
        limit = max(0, min(self.size_limit, volume + free_bytes(self.directory) - self.min_free))
        if limit != self._cache.size_limit:
            self._cache.reset("size_limit", max(limit, 1))
        if volume > limit:
            self._cache.cull()
        return size < limit

    def evict_image(self, image_id: str) -> int:
        if self._cache is None:
            return 0
        refs = self._cache._sql(
            "SELECT key FROM Cache WHERE tag = ? AND key LIKE ?", (image_id, f"{_LAYER_REF}%")
        ).fetchall()
        users = sum(bool(self._cache.delete(self._cache.get(ref, default=""))) for (ref,) in refs)
        return users + int(self._cache.evict(image_id))

    def image_ids(self) -> set[str]:
        """Ids with derived images in the cache (``imgorigin doctor`` looks for deleted images' entries)."""
        if self._cache is None:
            return set()
        # diskcache has no public listing of tags; its tag index makes this one indexed query.
        rows = self._cache._sql("SELECT DISTINCT tag FROM Cache WHERE tag IS NOT NULL")
        return {str(tag) for (tag,) in rows}

    def stored_for(self, image_ids: list[str]) -> tuple[int, int]:
        """(derivatives, their bytes) cached on this host for these images (the usage report)."""
        if self._cache is None:
            return 0, 0
        count = size = 0
        for start in range(0, len(image_ids), 500):
            chunk = image_ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            row = self._cache._sql(
                f"SELECT count(*), coalesce(sum(size), 0) FROM Cache WHERE tag IN ({marks})"
                f" AND key NOT LIKE '{_LAYER_REF}%'", chunk,
            ).fetchone()
            count, size = count + int(row[0]), size + int(row[1])
        return count, size

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()


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


def _off_event_loop(method: str) -> None:
    """A bucket update is a write transaction on a SQLite file shared by every worker: it may wait on
    another worker's lock, which must never stall an event loop. Call it through a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"RateLimiter.{method} blocks: run it in a thread (anyio.to_thread.run_sync)")


class RateLimiter:
    """Token buckets shared by every worker on the host; a bucket refills ``rate`` tokens per minute.

    Every method is a SQLite transaction and refuses to run on an event loop's thread.
    """

    def __init__(self, directory: Path) -> None:
        self._cache = diskcache.Cache(str(directory), statistics=False, size_limit=64 * 1024**2)

    def take(self, bucket: str, rate_per_minute: float, burst: float | None = None) -> float | None:
        """Take one token; None if allowed, otherwise the seconds until a token is available.

        On a full disk the bucket cannot be written and the request is let through: the limits must not
        turn a full disk into an outage of cached-path renders and logins. ``/readyz`` is failing by
        then, and uploads and sign-ups, which need the disk, are refused on their own.
        """
        _off_event_loop("take")
        if rate_per_minute <= 0:
            return None
        try:
            return self._take(bucket, rate_per_minute, burst)
        except sqlite3.OperationalError as exc:
            if not is_disk_full(exc):
                raise
            log.warning("rate limit %s not applied: the disk is full", bucket)
            return None

    def _take(self, bucket: str, rate_per_minute: float, burst: float | None) -> float | None:
        capacity = burst if burst is not None else max(1.0, rate_per_minute)
        per_second = rate_per_minute / 60
        now = time.time()
        key = f"bucket:{bucket}"
        with self._cache.transact():
            tokens, stamp = self._cache.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - stamp) * per_second)
            if tokens >= 1:
                self._cache.set(key, (tokens - 1, now), expire=3600)
                return None
            self._cache.set(key, (tokens, now), expire=3600)
            return float((1 - tokens) / per_second)

    def refund(self, bucket: str, rate_per_minute: float, burst: float | None = None) -> None:
        """Give back a token taken for something that turned out not to count (a successful login)."""
        _off_event_loop("refund")
        if rate_per_minute <= 0:
            return
        capacity = burst if burst is not None else max(1.0, rate_per_minute)
        key = f"bucket:{bucket}"
        with self._cache.transact():
            tokens, stamp = self._cache.get(key, (capacity, time.time()))
            self._cache.set(key, (min(capacity, tokens + 1), stamp), expire=3600)

    def count(self, bucket: str, window: int, now: float | None = None) -> tuple[int, int]:
        """Count one call in a fixed window of ``window`` seconds: (calls so far in it, when it ends)."""
        _off_event_loop("count")
        now = time.time() if now is None else now
        start = int(now) // window * window
        key = f"window:{bucket}:{start}"
        with self._cache.transact():
            calls = int(self._cache.get(key, 0)) + 1
            self._cache.set(key, calls, expire=window + 60)
        return calls, start + window

    def remember(self, bucket: str, member: str, limit: int, expire: float) -> bool:
        """Add ``member`` to the set ``bucket`` (which lives ``expire`` seconds from its first member);
        False when it is new and the set already holds ``limit`` members."""
        _off_event_loop("remember")
        if limit <= 0:
            return True
        key = f"set:{bucket}"
        with self._cache.transact():
            members = self._cache.get(key)
            if members is None:
                self._cache.set(key, (member,), expire=expire)
                return True
            if member in members:
                return True
            if len(members) >= limit:
                return False
            # diskcache has no "keep the expiry": the set lives at most twice ``expire``, never less
            self._cache.set(key, (*members, member), expire=expire)
            return True

    def close(self) -> None:
        self._cache.close()


class RenderCounter:
    """Renders per image per calendar month, shared by the workers on the host (Admin API ``usage``).

    Counted where the render happens, by image id: the render itself knows no account. Cloud-layout
    delivery, which does, tells the counter whose image it serves (``learn``), so the host's counts
    can be published per account (``clouds/renders.py``). Entries expire after about two months.
    """

    EXPIRE = 62 * 86400

    def __init__(self, directory: Path) -> None:
        self._cache = diskcache.Cache(str(directory), statistics=False, size_limit=256 * 1024**2)
        self._learned: OrderedDict[str, None] = OrderedDict()  # this process wrote these owners already

    @staticmethod
    def month(now: float | None = None) -> str:
        return time.strftime("%Y-%m", time.gmtime(time.time() if now is None else now))

    def count(self, image_id: str) -> None:
        key = f"{self.month()}:{image_id}"
        with self._cache.transact():  # one write transaction per render, and the expiry on the keys counted
            self._cache.incr(key, 1, default=0)
            self._cache.touch(key, expire=self.EXPIRE)
            self._cache.incr(f"total:{self.month()}", 1, default=0)  # changed since the last publication?

    def total(self, image_ids: list[str], month: str | None = None) -> int:
        month = month or self.month()
        return sum(int(self._cache.get(f"{month}:{image_id}", 0)) for image_id in image_ids)

    def learn(self, image_id: str, cloud: str) -> None:
        """``image_id`` is an image of ``cloud``: written once per process (a bounded memo), not per request."""
        if image_id in self._learned:
            return
        self._cache.set(f"owner:{image_id}", cloud, expire=self.EXPIRE)
        self._learned[image_id] = None
        if len(self._learned) > 10_000:
            self._learned.popitem(last=False)

    def owner(self, image_id: str) -> str | None:
        found = self._cache.get(f"owner:{image_id}")
        return found if isinstance(found, str) else None

    def changes(self, month: str) -> int:
        """A number that moves with every render counted in ``month``."""
        return int(self._cache.get(f"total:{month}", 0))

    def month_counts(self, month: str) -> dict[str, int]:
        """Every image counted in ``month`` on this host, with its count."""
        prefix = f"{month}:"
        return {key[len(prefix):]: int(self._cache.get(key, 0)) for key in self._cache.iterkeys()
                if isinstance(key, str) and key.startswith(prefix)}

    def node_id(self) -> str:
        """This host's id, the same for all its workers, made once."""
        self._cache.add("node-id", secrets.token_hex(8))
        return str(self._cache.get("node-id"))

    def lease(self, name: str, seconds: float) -> bool:
        """True for one caller among the host's workers per ``seconds``."""
        return bool(self._cache.add(f"lease:{name}", os.getpid(), expire=seconds))

    def close(self) -> None:
        self._cache.close()
