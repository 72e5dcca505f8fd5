"""What render nodes need per account, published by the control plane into the shared object store.

Render nodes never open the database. For Cloudinary's layouts they need, per account: its live API
keys (their secrets are derived, see ``keys.py``), its unsigned policy and allow-list, its named
transformations, and which public ids exist and what image each is. The control plane writes these as
small JSON objects next to the originals whenever they change:

- ``cloudstate/<sha256(cloud)>``: the account (``AccountState``);
- ``publicids/<sha256(cloud NUL public id)>``: one public id (``Pointer``: image id, version, format).

Readers keep what they read for ``IMGORIGIN_STATE_TTL`` seconds (misses too), so a change reaches every
render node within that time and a hot URL costs no object-store request. Keys are hashes: names may
hold any character, storage keys stay within what every backend accepts.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgorigin.storage import Storage

ACCOUNT_PREFIX = "cloudstate"
POINTER_PREFIX = "publicids"
POLICIES = ("strict", "allowlist", "open")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def account_key(cloud: str) -> str:
    return f"{ACCOUNT_PREFIX}/{_digest(cloud)}"


def pointer_key(cloud: str, public_id: str) -> str:
    return f"{POINTER_PREFIX}/{_digest(cloud, public_id)}"


@dataclass(frozen=True)
class AccountState:
    cloud: str
    api_keys: tuple[str, ...] = ()
    unsigned: str = ""  # strict, allowlist or open; "" follows the server's IMGORIGIN_UNSIGNED_POLICY
    allowed: tuple[str, ...] = ()  # transformations served unsigned under the allowlist policy
    transformations: dict[str, str] = field(default_factory=dict)  # named transformations: name -> text
    unsigned_names: tuple[str, ...] = ()  # named transformations allowed unsigned even under strict

    def to_json(self) -> dict[str, Any]:
        return {"cloud": self.cloud, "api_keys": list(self.api_keys), "unsigned": self.unsigned,
                "allowed": list(self.allowed), "transformations": dict(self.transformations),
                "unsigned_names": list(self.unsigned_names)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountState:
        return cls(str(data["cloud"]), tuple(data.get("api_keys", ())), str(data.get("unsigned", "")),
                   tuple(data.get("allowed", ())), dict(data.get("transformations", {})),
                   tuple(data.get("unsigned_names", ())))


@dataclass(frozen=True)
class Pointer:
    """A public id of an account: the image (storage id) it names, its version and stored format."""

    image_id: str
    version: int
    format: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.image_id, "version": self.version, "format": self.format}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pointer:
        return cls(str(data["id"]), int(data["version"]), str(data["format"]))


def write_json(storage: Storage, key: str, data: dict[str, Any], tmp_dir: Path) -> None:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="state-")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, separators=(",", ":"))
        storage.put(key, Path(name))
    finally:
        Path(name).unlink(missing_ok=True)


def read_json(storage: Storage, key: str) -> dict[str, Any] | None:
    blob = storage.get(key)
    if blob is None:
        return None
    raw = blob.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError:
        return None  # a torn or foreign object reads as absent, never as a 500
    return data if isinstance(data, dict) else None


class Published:
    """The reading side, with a small per-process TTL cache (LRU-bounded) of hits and misses."""

    def __init__(self, storage: Storage, ttl: float, max_entries: int = 20_000) -> None:
        self.storage = storage
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, dict[str, Any] | None]] = OrderedDict()
        self._lock = threading.Lock()

    def _read(self, key: str) -> dict[str, Any] | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                return entry[1]
        data = read_json(self.storage, key)
        with self._lock:
            self._entries[key] = (now + self.ttl, data)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return data

    def forget(self, key: str) -> None:
        """Drop one entry: the node that publishes a change sees it at once."""
        with self._lock:
            self._entries.pop(key, None)

    def forget_pointer(self, cloud: str, public_id: str) -> None:
        self.forget(pointer_key(cloud, public_id))

    def account(self, cloud: str) -> AccountState | None:
        data = self._read(account_key(cloud))
        try:
            return AccountState.from_json(data) if data is not None else None
        except (KeyError, TypeError, ValueError):
            return None

    def pointer(self, cloud: str, public_id: str) -> Pointer | None:
        data = self._read(pointer_key(cloud, public_id))
        try:
            return Pointer.from_json(data) if data is not None else None
        except (KeyError, TypeError, ValueError):
            return None


class Publisher:
    """The writing side (control plane): every change is written through, and this node's cache dropped."""

    def __init__(self, storage: Storage, tmp_dir: Path, published: Published) -> None:
        self.storage = storage
        self.tmp_dir = tmp_dir
        self.published = published

    def account(self, state: AccountState) -> None:
        key = account_key(state.cloud)
        write_json(self.storage, key, state.to_json(), self.tmp_dir)
        self.published.forget(key)

    def remove_account(self, cloud: str) -> None:
        key = account_key(cloud)
        self.storage.delete(key)
        self.published.forget(key)

    def pointer(self, cloud: str, public_id: str, pointer: Pointer) -> None:
        key = pointer_key(cloud, public_id)
        write_json(self.storage, key, pointer.to_json(), self.tmp_dir)
        self.published.forget(key)

    def remove_pointer(self, cloud: str, public_id: str) -> None:
        key = pointer_key(cloud, public_id)
        self.storage.delete(key)
        self.published.forget(key)
