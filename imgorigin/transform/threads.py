"""libvips threads in the server: one per render, every core for an AVIF encode.

A worker runs as many renders at once as there are cores, so a render rarely has a core to itself.
A second libvips thread per render then only adds hand-offs between threads: at concurrency 1, workload
(b) cost 5-9 ms less CPU per request with one thread, at the same latency (docs/performance.md, "Where
the CPU of a render request goes"). The AVIF encoder is the exception: libvips gives it as many
threads as its own concurrency, and a lone AVIF render with one lost a third of its speed.

libvips' concurrency is one number per process, read whenever a pipeline or an encoder starts, so
``every_core`` raises it for the span of an AVIF encode (at most ``AVIF_CONCURRENCY`` of them run at
once in a worker) and lowers it after; another render starting meanwhile gets the cores too, which
only costs what the default always did. An operator's ``VIPS_CONCURRENCY`` wins over both.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from imgorigin.transform.vips import set_threads, threads

_lock = threading.Lock()
_wide = 0  # AVIF encodes running in this process


def _chosen_by_operator() -> bool:
    return "VIPS_CONCURRENCY" in os.environ


def one_per_render() -> None:
    """Called once per server process, before its first render."""
    if not _chosen_by_operator():
        set_threads(1)


@contextmanager
def every_core() -> Iterator[None]:
    """libvips at one thread per core while this block runs (an AVIF encode)."""
    global _wide
    if _chosen_by_operator() or (threads() != 1 and _wide == 0):
        yield  # the operator's number, or a process that never chose one thread per render
        return
    with _lock:
        _wide += 1
        if _wide == 1:
            set_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        with _lock:
            _wide -= 1
            if _wide == 0:
                set_threads(1)
