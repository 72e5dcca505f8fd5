"""The qualities q_auto picks on the shipped photos, their bytes and SSIM, against the fixed defaults.

Run: ``python bench/q_auto_table.py`` (prints the Markdown table used in docs/effects.md).
"""

from __future__ import annotations

import time
from pathlib import Path

import pyvips

from imgorigin.transform.encode import DEFAULT_QUALITY, save_options
from imgorigin.transform.flags import Flags
from imgorigin.transform.quality import TARGETS, auto_quality, ssim
from imgorigin.transform.values import OutputFormat

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
NAMES = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"]


def main() -> None:
    print("| photo | format | fixed q (bytes, SSIM) | " + " | ".join(f"q_auto:{lv}" for lv in TARGETS) + " |")
    print("|---|---|---|" + "---|" * len(TARGETS))
    for name in NAMES:
        image = pyvips.Image.new_from_file(str(PHOTOS / name)).colourspace("srgb").copy_memory()
        for fmt in (OutputFormat.JPEG, OutputFormat.WEBP, OutputFormat.AVIF):
            suffix, options = save_options(fmt, Flags())

            def encode(sample: pyvips.Image, q: int, suffix: str = suffix, options: dict = options) -> bytes:  # type: ignore[type-arg]
                return bytes(sample.write_to_buffer(suffix, **{**options, "Q": q}))

            fixed_q = DEFAULT_QUALITY[fmt]
            fixed = encode(image, fixed_q)
            cells = [f"{fixed_q} ({len(fixed) // 1000} KB, {ssim(image, pyvips.Image.new_from_buffer(fixed, '')):.3f})"]
            for level in TARGETS:
                started = time.perf_counter()
                q = auto_quality(image, fmt, level, encode)
                took = (time.perf_counter() - started) * 1000
                data = encode(image, q)
                score = ssim(image, pyvips.Image.new_from_buffer(data, ""))
                cells.append(f"{q} ({len(data) // 1000} KB, {score:.3f}, {took:.0f} ms)")
            print(f"| {name} | {fmt.value} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
