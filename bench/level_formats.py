"""Which format should pyramid levels be stored in? Bytes, encode and decode CPU, fidelity.

Prints one row per (level, format): stored bytes, encode ms and decode ms (medians of process CPU
time, one thread), and the mean absolute difference of the decoded level from the exact pixels.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyvips

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import write_sources
from timing import cpu_ms

CANDIDATES = {
    "jpeg q95 4:4:4": (".jpg", {"Q": 95, "subsample_mode": "off", "optimize_coding": True}),
    "jpeg q90 4:2:0": (".jpg", {"Q": 90, "optimize_coding": True}),
    "webp lossless e0": (".webp", {"lossless": True, "effort": 0}),
    "png c1 no filter": (".png", {"compression": 1, "filter": "none"}),
}




def main() -> None:
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    source = write_sources(Path(__file__).resolve().parent / ".work" / "sources")["big"]
    full = pyvips.Image.new_from_file(str(source)).copy_memory()
    print(f"{'level':<8} {'format':<18} {'bytes':>10} {'encode ms':>10} {'decode ms':>10} {'mean abs diff':>14}")
    for denominator in (2, 8):
        level = full.resize(1 / denominator, kernel="lanczos3").copy_memory()
        for name, (suffix, options) in CANDIDATES.items():
            data = level.write_to_buffer(suffix, keep="none", **options)
            encode = cpu_ms(lambda: level.write_to_buffer(suffix, keep="none", **options))  # noqa: B023
            decode = cpu_ms(lambda: pyvips.Image.new_from_buffer(data, "", access="sequential").avg())  # noqa: B023
            back = pyvips.Image.new_from_buffer(data, "")
            diff = (back - level).abs().avg()
            print(f"1/{denominator:<6} {name:<18} {len(data):>10} {encode:>10.1f} {decode:>10.1f} {diff:>14.2f}")


if __name__ == "__main__":
    main()
