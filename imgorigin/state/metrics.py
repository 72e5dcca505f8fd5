"""Prometheus metrics of every worker process on a host, written in the text exposition format.

Each uvicorn worker counts in memory (a dict update under a lock on the hot path) and writes a
snapshot into a diskcache shared by the host's workers about once a second. ``GET /metrics``,
whichever worker answers it, sums the snapshots, so a scrape sees the whole host. Snapshots of dead
workers expire after an hour; Prometheus reads that drop like a counter reset, which ``rate()``
handles. Gauges (renders in flight, libvips memory) count only from snapshots a few seconds fresh.

Written by hand rather than with prometheus_client: its multiprocess mode needs an environment
variable set before import and a directory cleaned between runs, and this needs about a hundred lines.
"""

from __future__ import annotations

import bisect
import ctypes
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import diskcache

if TYPE_CHECKING:
    from imgorigin.transform.transformation import Transformation

Labels = tuple[tuple[str, str], ...]

SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FLUSH_INTERVAL = 1.0
SNAPSHOT_TTL = 3600
GAUGE_FRESHNESS = 5 * FLUSH_INTERVAL


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # counter, histogram or gauge
    help: str


FAMILIES = {f.name: f for f in (
    Family("imgorigin_http_requests_total", "counter", "HTTP requests by route, method and status"),
    Family("imgorigin_http_request_duration_seconds", "histogram", "HTTP request durations by route and status"),
    Family("imgorigin_cache_requests_total", "counter", "Delivery requests by derived-cache result (hit, miss)"),
    Family("imgorigin_render_duration_seconds", "histogram",
           "Renders (storage read, decode, operations, encode) by output format"),
    Family("imgorigin_render_operation_duration_seconds", "histogram",
           "Render durations by each operation the render contained (c_fill, e_blur, w...) and format"),
    Family("imgorigin_eager_total", "counter", "Eager derivations finished, by result (done, failed, retried)"),
    Family("imgorigin_renders_in_flight", "gauge", "Renders running now"),
    Family("imgorigin_renders_queued", "gauge", "Renders waiting for a render slot"),
    Family("imgorigin_vips_memory_bytes", "gauge", "Memory libvips has allocated for pixel buffers"),
    Family("imgorigin_vips_memory_highwater_bytes", "gauge", "Most memory libvips has held at once, summed"),
    Family("imgorigin_workers", "gauge", "Worker processes that reported in the last few seconds"),
)}


class VipsMemory:
    """libvips' own allocation tracker, read through ctypes (pyvips' cffi binding does not expose it)."""

    def __init__(self) -> None:
        self._lib: Any = None
        self._resolved = False

    def _resolve(self) -> Any:
        self._resolved = True
        import pyvips  # noqa: F401  (loads libvips into the process)

        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "/libvips" in line}
        except OSError:
            paths = set()
        for path in sorted(paths):
            name = os.path.basename(path)
            if name.startswith("libvips") and not name.startswith("libvips-cpp") and ".so" in name:
                lib = ctypes.CDLL(path)
                lib.vips_tracked_get_mem.restype = ctypes.c_size_t
                lib.vips_tracked_get_mem_highwater.restype = ctypes.c_size_t
                return lib
        return None

    def read(self) -> tuple[int, int] | None:
        if not self._resolved:
            self._lib = self._resolve()
        if self._lib is None:
            return None
        return int(self._lib.vips_tracked_get_mem()), int(self._lib.vips_tracked_get_mem_highwater())


@dataclass
class Snapshot:
    counters: dict[tuple[str, Labels], float] = field(default_factory=dict)
    # name, labels -> [count per bucket (not cumulative)..., +Inf count, sum]
    histograms: dict[tuple[str, Labels], list[float]] = field(default_factory=dict)
    gauges: dict[tuple[str, Labels], float] = field(default_factory=dict)
    taken_at: float = 0.0


class Metrics:
    def __init__(self, directory: Path | None, gauges: Callable[[], dict[str, float]] | None = None) -> None:
        self._lock = threading.Lock()
        self._own = Snapshot()
        self._gauges = gauges or (lambda: {})
        self._vips = VipsMemory()
        self._key = f"worker:{os.getpid()}:{secrets.token_hex(4)}"
        self._store = diskcache.Cache(str(directory), statistics=False) if directory else None

    def inc(self, name: str, labels: Labels, amount: float = 1.0) -> None:
        key = (name, labels)
        with self._lock:
            self._own.counters[key] = self._own.counters.get(key, 0.0) + amount

    def observe(self, name: str, labels: Labels, seconds: float) -> None:
        with self._lock:
            self._observe((name, labels), seconds)

    def _observe(self, key: tuple[str, Labels], seconds: float) -> None:
        row = self._own.histograms.get(key)
        if row is None:
            row = self._own.histograms[key] = [0.0] * (len(SECONDS_BUCKETS) + 2)
        row[bisect.bisect_left(SECONDS_BUCKETS, seconds)] += 1
        row[-1] += seconds

    def request(self, route: str, method: str, status: int, seconds: float, cache: str | None) -> None:
        """Every request passes here: one lock round for all three series."""
        code = str(status)
        counters = self._own.counters
        requests = ("imgorigin_http_requests_total", (("method", method), ("route", route), ("status", code)))
        with self._lock:
            counters[requests] = counters.get(requests, 0.0) + 1
            self._observe(("imgorigin_http_request_duration_seconds", (("route", route), ("status", code))), seconds)
            if cache is not None:
                hits = ("imgorigin_cache_requests_total", (("result", cache),))
                counters[hits] = counters.get(hits, 0.0) + 1

    def render(self, operations: Iterable[str], fmt: str, seconds: float) -> None:
        self.observe("imgorigin_render_duration_seconds", (("format", fmt),), seconds)
        for operation in operations:
            self.observe("imgorigin_render_operation_duration_seconds",
                         (("format", fmt), ("operation", operation)), seconds)

    def snapshot(self) -> Snapshot:
        with self._lock:
            snap = Snapshot(
                counters=dict(self._own.counters),
                histograms={key: list(row) for key, row in self._own.histograms.items()},
            )
        for name, value in self._gauges().items():
            snap.gauges[(name, ())] = value
        vips = self._vips.read()
        if vips is not None:
            snap.gauges[("imgorigin_vips_memory_bytes", ())] = vips[0]
            snap.gauges[("imgorigin_vips_memory_highwater_bytes", ())] = vips[1]
        snap.gauges[("imgorigin_workers", ())] = 1
        snap.taken_at = time.time()
        return snap

    def flush(self) -> Snapshot:
        snap = self.snapshot()
        if self._store is not None:
            self._store.set(self._key, snap, expire=SNAPSHOT_TTL)
        return snap

    def _all(self) -> list[Snapshot]:
        own = self.flush()
        if self._store is None:
            return [own]
        snaps = [own]
        for key in list(self._store.iterkeys()):
            if key != self._key and (snap := self._store.get(key)) is not None:
                snaps.append(snap)
        return snaps

    def exposition(self) -> str:
        return exposition(self._all())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def merge(snapshots: list[Snapshot], now: float | None = None) -> Snapshot:
    now = time.time() if now is None else now
    total = Snapshot(taken_at=now)
    for snap in snapshots:
        for key, value in snap.counters.items():
            total.counters[key] = total.counters.get(key, 0.0) + value
        for key, row in snap.histograms.items():
            into = total.histograms.setdefault(key, [0.0] * len(row))
            for i, value in enumerate(row):
                into[i] += value
        if now - snap.taken_at <= GAUGE_FRESHNESS:
            for key, value in snap.gauges.items():
                total.gauges[key] = total.gauges.get(key, 0.0) + value
    return total


def _labels(labels: Labels, extra: tuple[str, str] | None = None) -> str:
    pairs = [*labels, extra] if extra else list(labels)
    if not pairs:
        return ""
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in pairs)
    return "{" + ",".join(escaped) + "}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def exposition(snapshots: list[Snapshot]) -> str:
    total = merge(snapshots)
    lines: list[str] = []
    for family in FAMILIES.values():
        lines.append(f"# HELP {family.name} {family.help}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        if family.kind == "counter":
            for (name, labels), value in sorted(total.counters.items()):
                if name == family.name:
                    lines.append(f"{name}{_labels(labels)} {_number(value)}")
        elif family.kind == "gauge":
            for (name, labels), value in sorted(total.gauges.items()):
                if name == family.name:
                    lines.append(f"{name}{_labels(labels)} {_number(value)}")
        else:
            for (name, labels), row in sorted(total.histograms.items()):
                if name != family.name:
                    continue
                running = 0.0
                for bound, count in zip((*SECONDS_BUCKETS, float("inf")), row[:-1], strict=True):
                    running += count
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    lines.append(f"{name}_bucket{_labels(labels, ('le', le))} {_number(running)}")
                lines.append(f"{name}_sum{_labels(labels)} {row[-1]!r}")
                lines.append(f"{name}_count{_labels(labels)} {_number(running)}")
    return "\n".join(lines) + "\n"


# Parameters whose value names what the render did (c_fill, e_sepia, g_face, f_webp): bounded sets, so
# they make useful labels. Every other parameter counts under its key alone (w, h, l...), so no label
# ever carries a free-form value.
_NAMED_VALUES = frozenset({"c", "e", "g", "f"})


def operations_of(plan: Transformation) -> set[str]:
    from imgorigin.transform.params import PARAMS

    operations: set[str] = set()
    for component in plan:
        for key, value in component.values:
            operations.add(PARAMS[key].canonical(value).split(":")[0] if key in _NAMED_VALUES else key)
    return operations or {"none"}
