"""How close each server's output is to an exact rendering (full decode, lanczos3, no shortcuts)."""

from __future__ import annotations

import sys
from pathlib import Path

import pyvips

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.imaging import ssim


def reference(key: str, source: Path, size: tuple[int, int]) -> pyvips.Image:
    full = pyvips.Image.new_from_file(str(source))
    width, height = size
    if key == "c":
        return full.crop((full.width - 600) // 2, (full.height - 400) // 2, 600, 400).colourspace("b-w")
    if key == "b":
        scale = max(width / full.width, height / full.height)
        scaled = full.resize(scale, kernel="lanczos3")
        return scaled.crop((scaled.width - width) // 2, (scaled.height - height) // 2, width, height)
    return full.resize(width / full.width, vscale=height / full.height, kernel="lanczos3")


def _shifted(image: pyvips.Image, dx: int, dy: int) -> pyvips.Image:
    return image.embed(dx, dy, image.width, image.height, extend="copy")


def fidelity(key: str, data: bytes, source: Path) -> dict[str, object]:
    """Output size and SSIM against the exact rendering, at the best alignment within one pixel:
    servers round a centred crop's offset differently, and a 1 px shift is not a quality loss."""
    image = pyvips.Image.new_from_buffer(data, "").copy_memory()
    size = (image.width, image.height)
    try:
        exact = reference(key, source, size).copy_memory()
        score: float | None = round(max(
            ssim(image, _shifted(exact, dx, dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
        ), 4)
    except (AssertionError, pyvips.Error):
        score = None
    return {"size": f"{size[0]}x{size[1]}", "ssim": score}
