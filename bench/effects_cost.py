"""Wall time of every effect and shape step on a 10 MP photo, rendered to JPEG through the engine.

Run: ``python bench/effects_cost.py`` (prints the Markdown table used in docs/effects.md). The source
is the shipped rocket photo enlarged to 3840x2562; each row is the best of three renders.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pyvips

from imgorigin.blob import Blob
from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
EXTRA = ["e_blur:2000", "e_sharpen:2000", "e_pixelate:200", "r_max", "r_40,bo_8px_solid_black", "o_50"]


def main() -> None:
    configure_libvips()
    pyvips.cache_set_max(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jpg"
        photo = pyvips.Image.new_from_file(str(PHOTOS / "rocket.jpg"))
        photo.resize(6).write_to_file(str(path), Q=90)
        blob = Blob(path=path)
        header = read_header(blob, SourceLimits())
        texts = [""] + [unit.example.split(",")[0] if name != "colorize" else unit.example
                        for name, unit in EFFECTS.items() if name != "background_removal"] + EXTRA
        print(f"| transformation ({header.width}x{header.height} to JPEG) | seconds |")
        print("|---|---|")
        for text in texts:
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                render(blob, header, parse(text), OutputFormat.JPEG, Limits(max_output_pixels=50_000_000))
                best = min(best, time.perf_counter() - started)
            print(f"| `{text or '(none)'}` | {best:.2f} |")


if __name__ == "__main__":
    main()
