"""The floors: each workload done by pyvips in-process, and libjpeg-turbo's own 1/8-scale decode.

CPU ms are process CPU time (all libvips threads), medians over repeats, libvips' operation cache off
so every repeat does the work again.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
from pathlib import Path

import pyvips
from timing import cpu_ms
from workloads import WORKLOADS


def pyvips_floors(sources: dict[str, Path]) -> dict[str, tuple[float, int]]:
    """workload -> (CPU ms per operation, output bytes)."""
    pyvips.cache_set_max(0)
    out = {}
    for key, workload in WORKLOADS.items():
        if workload.floor is None:
            continue
        path = sources[workload.source]
        data = workload.floor(path)
        out[key] = (cpu_ms(lambda: workload.floor(path)), len(data))  # type: ignore[misc]  # noqa: B023
    return out


def shrink8_floor(path: Path) -> float:
    """CPU ms to decode the JPEG at 1/8 scale through libvips (what a w_300 render cannot avoid)."""
    pyvips.cache_set_max(0)
    return cpu_ms(lambda: pyvips.Image.new_from_file(str(path), shrink=8, access="sequential").avg())


def djpeg_floor(path: Path, repeat: int = 20) -> float | None:
    """CPU ms of ``djpeg -scale 1/8`` (libjpeg-turbo alone, process start included), or None if absent."""
    djpeg = shutil.which("djpeg")
    if djpeg is None:
        return None
    samples = []
    for _ in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([djpeg, "-scale", "1/8", "-outfile", "/dev/null", str(path)], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(samples[1:])
