"""One render's limits while it runs: its deadline, a stop from outside, and its in-memory copies.

libvips computes pixels at a handful of moments, not only at the encode: the memory copy a random-
access step needs, a smart crop's attention search, ``e_trim``'s edge search, blur's reduced copy,
the pixels handed to the background-removal model. Each of them runs through ``evaluate``, which
arms the image's kill flag: when the deadline passes (or ``stop`` is called because nobody waits
for the result any more), a timer thread sets the flag and libvips abandons that evaluation at its
next region. libvips checks the flag of every image a region is computed from, so killing the image
being evaluated stops the whole pipeline under it; between evaluations ``check`` stops the Python
side. One timer per render, no per-tile callback into Python.

In-memory copies (``copy_memory``) are charged before they are made, frames x pixels x bands, to a
cap per render and to a budget per worker shared by its concurrent renders.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from imgorigin.errors import ClientClosed, InvalidTransformation, RenderTimeout, Unavailable

if TYPE_CHECKING:
    import pyvips

T = TypeVar("T")
MB = 1024 * 1024


class MemoryBudget:
    """Bytes of in-memory copies that all renders of one worker may hold at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._changed = threading.Condition()

    def reserve(self, amount: int, deadline: Deadline) -> None:
        """Wait (until the render's deadline) for ``amount`` bytes; the render gives them back at its end."""
        with self._changed:
            while self.used + amount > self.limit:
                remaining = deadline.remaining()
                if remaining <= 0 or deadline.stopped is not None:
                    raise Unavailable("The server is busy; retry shortly", retry_after=2, code="overloaded")
                self._changed.wait(min(remaining, 0.25))
            self.used += amount

    def release(self, amount: int) -> None:
        with self._changed:
            self.used -= amount
            self._changed.notify_all()


class Deadline:
    """Use as a context manager around one render (it starts and stops the timer)."""

    def __init__(self, seconds: float | None = None, *, memory: MemoryBudget | None = None,
                 max_copy_bytes: int | None = None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds
        self.stopped: str | None = None  # "timeout" or "client": why the render must end
        self.memory = memory
        self.max_copy_bytes = max_copy_bytes
        self.copied = 0  # bytes charged by this render's copies so far
        self._evaluating: list[pyvips.Image] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Deadline:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self.stop, args=("timeout",))
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.memory is not None and self.copied:
            self.memory.release(self.copied)
        self.copied = 0
        with self._lock:
            self._evaluating.clear()

    def remaining(self) -> float:
        return float("inf") if self.at is None else self.at - time.monotonic()

    def stop(self, reason: str) -> None:
        """End the render from another thread: kill what libvips is computing for it now."""
        with self._lock:
            if self.stopped is None:
                self.stopped = reason
            for image in self._evaluating:
                image.set_kill(True)

    def check(self) -> None:
        """Raise if the render must end (between evaluations, where libvips is not running)."""
        if self.stopped is None and self.at is not None and time.monotonic() >= self.at:
            self.stopped = "timeout"
        if self.stopped == "client":
            raise ClientClosed("The client went away")
        if self.stopped is not None:
            raise RenderTimeout("The render took too long")

    def evaluate(self, image: pyvips.Image, compute: Callable[[], T]) -> T:
        """Run ``compute`` (which makes libvips compute ``image``), killed if the render must end."""
        import pyvips

        self.check()
        with self._lock:
            self._evaluating.append(image)
            if self.stopped is not None:
                image.set_kill(True)
        try:
            return compute()
        except pyvips.Error:
            self.check()  # killed: say why, rather than libvips' "killed for image"
            raise
        finally:
            with self._lock:
                self._evaluating.remove(image)
            image.set_kill(False)

    def copy_memory(self, image: pyvips.Image) -> pyvips.Image:
        """``image.copy_memory()``, charged to the render's and the worker's memory budgets first."""
        self.charge(image.width * image.height * image.bands * _sample_bytes(image))
        return self.evaluate(image, image.copy_memory)

    def charge(self, amount: int) -> None:
        if self.max_copy_bytes is not None and self.copied + amount > self.max_copy_bytes:
            raise InvalidTransformation(
                f"This transformation needs {(self.copied + amount) / MB:.0f} MB of pixels in memory; "
                f"the limit is {self.max_copy_bytes / MB:.0f} MB",
                code="too_expensive",
            )
        if self.memory is not None:
            self.memory.reserve(amount, self)
        self.copied += amount


def _sample_bytes(image: pyvips.Image) -> int:
    return {"uchar": 1, "char": 1, "ushort": 2, "short": 2, "uint": 4, "int": 4, "float": 4,
            "complex": 8, "double": 8, "dpcomplex": 16}.get(str(image.format), 8)
