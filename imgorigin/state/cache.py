"""The derived images of one host, in diskcache, shared by all its workers."""

from __future__ import annotations

from pathlib import Path

import diskcache

from imgorigin.state.disk import free_bytes
from imgorigin.transform.values import OutputFormat

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
