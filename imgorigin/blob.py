"""``Blob``: where an image's bytes are. Storage returns one, the engine decodes one; neither imports
the other for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Blob:
    """A local file (best: libvips can seek and mmap) or bytes in memory; neither for an overlay's
    canvas, which has no source."""

    path: Path | None = None
    data: bytes | None = None

    def read_bytes(self) -> bytes:
        """The whole content, read from the file when the blob is one (b"" when it has no source)."""
        if self.data is not None:
            return self.data
        return self.path.read_bytes() if self.path is not None else b""
