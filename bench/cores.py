"""Do the machine's two cores slow each other down? The same fixed work, one copy alone and then two
copies at once in separate processes (libvips at one thread each); CPU ms per copy, medians.

Two kinds of work: workload (b)'s render done by pyvips (decode, resize, WebP encode) and a plain memory
copy. If two renders at once each cost more CPU than one alone, the cores share something (a cache, a
host core under the VM): then every server's CPU per request rises with concurrency whatever it does,
and "CPU per request flat from concurrency 1 to 16" measures the machine as much as the server.

    python bench/cores.py [rounds]
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def render_b(path: str) -> float:
    import pyvips

    pyvips.cache_set_max(0)
    start = time.process_time()
    image = pyvips.Image.thumbnail(path, 800, height=600, crop="centre")
    image.webpsave_buffer(Q=80, effort=4, keep="none")
    return (time.process_time() - start) * 1000


def copy_memory(_: str) -> float:
    start = time.process_time()
    block = bytearray(256 << 20)
    for _round in range(3):
        bytes(block)
    return (time.process_time() - start) * 1000


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    os.environ["VIPS_CONCURRENCY"] = "1"  # inherited by the spawned workers: one thread per copy
    sys.path.insert(0, str(ROOT))
    from sources import photo_1920x1080

    ctx = multiprocessing.get_context("spawn")
    print(f"| work | CPU ms, one copy alone | two copies at once | ratio |  (medians of {rounds})")
    print("| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "hd.jpg")
        photo_1920x1080().jpegsave(path, Q=85)
        for name, work in (("(b) render, pyvips", render_b), ("256 MiB memory copy x3", copy_memory)):
            alone: list[float] = []
            together: list[float] = []
            with ctx.Pool(2) as pool:
                pool.map(work, [path, path])  # warm both workers
                for _ in range(rounds):
                    alone.append(pool.apply(work, (path,)))
                    together.extend(pool.map(work, [path, path], chunksize=1))
            one, two = statistics.median(alone), statistics.median(together)
            print(f"| {name} | {one:.1f} | {two:.1f} | {two / one:.2f}x |")


if __name__ == "__main__":
    main()
