"""One measured point: wrk at a fixed concurrency for a fixed time against a list of paths.

Render workloads use one wrk thread walking the path list in order, so the requests in flight at any
moment are consecutive entries, which name different images: a render server with single-flight
cannot fold them into one render (that would measure the flight, not the render). Server CPU per
request comes from /proc before and after; peak RSS is sampled while the load runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from procs import ProcessTree, RssSampler

WRK = shutil.which("wrk") or "/usr/bin/wrk"

_LUA = """
local paths = {%s}
local n = #paths
local counter = 0
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[((offset or 0) + counter) %% n + 1])
end
"""


@dataclass(frozen=True)
class Point:
    server: str
    workload: str
    concurrency: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU per completed request
    peak_rss_mb: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def write_script(paths: list[str], target: Path) -> Path:
    target.write_text(_LUA % ", ".join(f'"{p}"' for p in paths))
    return target


def run(server: str, workload: str, base: str, script: Path, concurrency: int, duration: float,
        tree: ProcessTree, *, threads: int = 1) -> Point:
    threads = min(threads, concurrency)
    command = [WRK, f"-t{threads}", f"-c{concurrency}", f"-d{duration:g}s", "--latency", "--timeout", "60s",
               "-s", str(script), base]
    cpu_before = tree.cpu_seconds()
    with RssSampler(tree) as rss:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = tree.cpu_seconds() - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                    r"timeout (\d+)"):
        found = re.search(pattern, out)
        if found:
            errors += sum(int(g) for g in found.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    return Point(server, workload, concurrency, requests, errors, rps, p50, p99,
                 cpu * 1000 / max(1, requests), rss.peak / 2**20)
