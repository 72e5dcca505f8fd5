"""The import's memory: a journal of finished images (JSON lines) and the JSON map written at the end.

Each finished image is one line, written and flushed before the next is reported, so a run killed at
any moment loses at most the images in flight, which the next run finds on the target and skips. A
torn last line (the kill came mid-write) is ignored.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("public_id"), str):
                    self.entries[entry["public_id"]] = entry
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("a")  # at once: an unwritable journal stops the import before its first upload

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def done(self, public_id: str, sha256: str) -> dict[str, Any] | None:
        entry = self.entries.get(public_id)
        return entry if entry is not None and entry.get("sha256") == sha256 else None

    def record(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._lock:
            self.entries[entry["public_id"]] = entry
            self._handle.write(line)
            self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def write_map(self, path: Path) -> None:
        """``{public_id: {version, secure_url, sha256, ...}}`` of everything the journal holds, atomically."""
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w") as handle:
            json.dump({pid: {k: v for k, v in e.items() if k != "public_id"} for pid, e in
                       sorted(self.entries.items())}, handle, indent=1)
        os.replace(temporary, path)
