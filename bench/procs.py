"""CPU time and resident memory of a server's whole process tree, read from /proc.

A uvicorn master with its workers, or thumbor instances and their children: everything that descends
from the given root PIDs counts. RSS is summed over the processes (shared pages count once per
process, so this errs on the high side, which is the safe side for a memory target).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name may contain spaces: split after its closing parenthesis
    return raw[raw.rindex(")") + 2:].split()


def descendants(roots: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


@dataclass
class ProcessTree:
    roots: list[int]

    def cpu_seconds(self) -> float:
        """utime + stime of every live process of the tree (all threads included)."""
        total = 0
        for pid in descendants(self.roots):
            fields = _stat(pid)
            if fields is not None:
                total += int(fields[11]) + int(fields[12])
        return total / _TICK

    def rss_bytes(self) -> int:
        total = 0
        for pid in descendants(self.roots):
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            except OSError:
                continue
        return total


@dataclass
class RssSampler:
    """Samples the tree's RSS every ``interval`` seconds in a thread; ``peak`` after ``stop``."""

    tree: ProcessTree
    interval: float = 0.1
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self.peak = self.tree.rss_bytes()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.tree.rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, self.tree.rss_bytes())


def wait_quiet(seconds: float = 0.3) -> None:
    time.sleep(seconds)
