"""CPU time of an in-process operation: the median of several runs after one warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def cpu_ms(func: Callable[[], object], repeat: int = 11) -> float:
    func()  # warm: page cache, codec tables
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)
