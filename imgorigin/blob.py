"""``Blob``: where an image's bytes are. Storage returns one, the engine decodes one; neither imports
the other for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Blob:
    """A local file (best: libvips can seek and mmap) or bytes in memory."""

    path: Path | None = None
    data: bytes | None = None
