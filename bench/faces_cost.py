"""Cost of finding the faces of one image, as g_face pays it on a cache miss.

Run: ``python bench/faces_cost.py``. For each source: the shrink-on-load to the detection proxy plus
the Haar cascade, median of five fresh detections (the per-worker cache is bypassed), and the cost of
a cached lookup. The 12 MP source is the astronaut photo enlarged to 4000x4000 JPEG.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pyvips

from imgorigin.blob import Blob
from imgorigin.transform.decode import load_scaled, normalise
from imgorigin.transform.faces import PROXY_SIDE, FaceDetector
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def proxy(blob: Blob) -> pyvips.Image:
    header = read_header(blob, SourceLimits())
    scale = PROXY_SIDE / max(header.size)
    return normalise(load_scaled(blob, round(header.width * scale), round(header.height * scale), no_rotate=False))


def main() -> None:
    configure_libvips()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.jpg"
        pyvips.Image.new_from_file(str(PHOTOS / "astronaut.png")).resize(4000 / 512).write_to_file(str(big), Q=90)
        sources = {"astronaut 512x512 PNG": Blob(path=PHOTOS / "astronaut.png"), "4000x4000 JPEG": Blob(path=big)}
        detector = FaceDetector()
        detector.faces(None, lambda: proxy(sources["astronaut 512x512 PNG"]))  # load the cascade once
        print("| source | faces | detection (ms, median of 5) | cached lookup (ms) |")
        print("|---|---|---|---|")
        for name, blob in sources.items():
            times = []
            for _ in range(5):
                started = time.perf_counter()
                found = detector.faces(None, lambda blob=blob: proxy(blob))  # type: ignore[misc]
                times.append((time.perf_counter() - started) * 1000)
            detector.faces(name, lambda blob=blob: proxy(blob))  # type: ignore[misc]
            started = time.perf_counter()
            detector.faces(name, lambda: pyvips.Image.black(1, 1))
            cached = (time.perf_counter() - started) * 1000
            print(f"| {name} | {len(found)} | {statistics.median(times):.1f} | {cached:.3f} |")


if __name__ == "__main__":
    main()
