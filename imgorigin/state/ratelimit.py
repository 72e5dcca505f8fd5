"""Rate-limit buckets, windows and sets, in diskcache shared by every worker on the host."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import diskcache

from imgorigin.state.disk import is_disk_full

log = logging.getLogger("imgorigin.ratelimit")


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
