"""PNG encode settings: bytes and encode CPU per zlib level (adaptive filtering), against Pillow's default.

Pillow level 6 is what thumbor writes (PNG_COMPRESSION_LEVEL = 6). Run with the thumbor virtualenv's
Pillow available (``bench/run.py`` installs it); Pillow columns are skipped otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyvips

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from sources import write_sources  # noqa: E402
from timing import cpu_ms  # noqa: E402

PILLOW = ROOT / ".work" / "thumbor-venv" / "bin" / "python"
LEVELS = (3, 4, 5, 6, 7)




def pillow_bytes(path: Path) -> tuple[int, float] | None:
    if not PILLOW.exists():
        return None
    code = (
        "import io,sys,time;from PIL import Image;im=Image.open(sys.argv[1]);im.load();"
        "t=[];n=0\nfor _ in range(5):\n b=io.BytesIO();s=time.process_time();im.save(b,'PNG',compress_level=6);"
        "t.append(time.process_time()-s);n=len(b.getvalue())\nt.sort();print(n,t[2]*1000)"
    )
    out = subprocess.run([str(PILLOW), "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    size, ms = out.split()
    return int(size), float(ms)


def main() -> None:
    pyvips.cache_set_max(0)
    work = ROOT / ".work" / "png"
    work.mkdir(parents=True, exist_ok=True)
    rgba = write_sources(ROOT / ".work" / "sources")["rgba"]
    crop = pyvips.Image.new_from_file(str(rgba)).crop(300, 200, 600, 400).colourspace("b-w")
    fixtures = ROOT.parent / "tests" / "fixtures"
    images = {
        "(c) crop+grey, 2 bands": crop,
        "astronaut (photo, RGB)": pyvips.Image.new_from_file(str(fixtures / "astronaut.png")),
        "coffee (photo, RGB)": pyvips.Image.new_from_file(str(fixtures / "coffee.png")),
        "logo (graphic, RGBA)": pyvips.Image.new_from_file(str(fixtures / "logo.png")),
    }
    header = "".join(f" | zlib {level} bytes | ms" for level in LEVELS)
    print(f"| image{header} | Pillow 6 bytes | ms |")
    print("| --- " * (2 + 2 * len(LEVELS) + 1) + "|")
    for name, image in images.items():
        image = image.copy_memory()
        path = work / (name.split()[0].strip("()") + ".png")
        image.write_to_file(str(path), compression=1)
        cells = []
        for level in LEVELS:
            data = image.write_to_buffer(".png", compression=level, filter="all")
            ms = cpu_ms(lambda: image.write_to_buffer(".png", compression=level, filter="all"))  # noqa: B023
            cells.append(f"{len(data):,} | {ms:.1f}")
        pil = pillow_bytes(path)
        pil_cells = "n/a | n/a" if pil is None else f"{pil[0]:,} | {pil[1]:.1f}"
        print(f"| {name} | " + " | ".join(cells) + f" | {pil_cells} |")


if __name__ == "__main__":
    main()
