"""A small, thread-safe progress bar for the command line, drawn on stderr.

On a terminal it redraws one line in place. Piped into a file or a CI log, where carriage returns pile
up into noise, it writes a fresh line only every tenth of the way and when a file finishes.
"""

from __future__ import annotations

import threading
from typing import TextIO

BAR_WIDTH = 28


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"


class Progress:
    def __init__(self, stream: TextIO, total_bytes: int, total_files: int) -> None:
        self._stream = stream
        self._interactive = stream.isatty()
        self._total_bytes = max(total_bytes, 1)
        self._total_files = total_files
        self._done_bytes = 0
        self._done_files = 0
        self._last_tenth = -1
        self._lock = threading.Lock()

    def advance(self, count: int) -> None:
        with self._lock:
            self._done_bytes = min(self._done_bytes + count, self._total_bytes)
            tenth = self._done_bytes * 10 // self._total_bytes
            if self._interactive or tenth != self._last_tenth:
                self._last_tenth = tenth
                self._draw()

    def file_done(self, message: str) -> None:
        with self._lock:
            self._done_files += 1
            if self._interactive:
                self._stream.write("\r\033[K")
            self._stream.write(message + "\n")
            self._draw()

    def finish(self) -> None:
        with self._lock:
            if self._interactive:
                self._stream.write("\n")
            self._stream.flush()

    def line(self) -> str:
        fraction = self._done_bytes / self._total_bytes
        filled = round(fraction * BAR_WIDTH)
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction * 100:3.0f}%  "
            f"{self._done_files}/{self._total_files} files  "
            f"{human_bytes(self._done_bytes)} / {human_bytes(self._total_bytes)}"
        )

    def _draw(self) -> None:
        if self._interactive:
            self._stream.write("\r\033[K" + self.line())
        else:
            self._stream.write(self.line() + "\n")
        self._stream.flush()
