"""Renders per image per month on one host, in diskcache shared by its workers; the host's id and leases."""

from __future__ import annotations

import os
import secrets
import time
from collections import OrderedDict
from pathlib import Path

import diskcache


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
