"""The colours an image is mostly made of: overall (``b_auto:predominant``, ``e_replace_color``'s
default source colour) or along its edges (``b_auto:border``, ``e_make_transparent``'s default).

Both read a copy at most ``SAMPLE_SIDE`` pixels a side; transparent pixels do not count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.info.palette import dominant_colors
from imgorigin.transform.colors import WHITE, Color, parse_color

if TYPE_CHECKING:
    import numpy as np
    import pyvips

SAMPLE_SIDE = 128
OPAQUE = 128


def _pixels(image: pyvips.Image) -> np.ndarray:
    """(h, w, 4) uint8 RGBA of a small copy."""
    import numpy as np

    scale = min(1.0, SAMPLE_SIDE / max(image.width, image.height))
    small = image.resize(scale, kernel="linear") if scale < 1 else image
    if small.bands in (1, 2):
        small = small.colourspace("srgb")
    if not small.hasalpha():
        small = small.bandjoin(255)
    small = small.cast("uchar")
    return np.ndarray(buffer=small.write_to_memory(), dtype=np.uint8, shape=(small.height, small.width, 4))


def _most_common(pixels: np.ndarray, fallback: Color = WHITE) -> Color:
    opaque = pixels[pixels[:, 3] >= OPAQUE][:, :3]
    found = dominant_colors(opaque, count=4)
    return parse_color(found[0][0]) if found else fallback


def predominant_color(image: pyvips.Image) -> Color:
    """The colour that covers most of the image."""
    return _most_common(_pixels(image).reshape(-1, 4))


def border_color(image: pyvips.Image) -> Color:
    """The colour that covers most of the image's outermost rows and columns."""
    import numpy as np

    pixels = _pixels(image)
    edge = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return _most_common(edge)


def contrasting(colour: Color) -> Color:
    """Black or white, whichever stands out more against ``colour`` (by its luma)."""
    luma = 0.2126 * colour.r + 0.7152 * colour.g + 0.0722 * colour.b
    return Color(0, 0, 0) if luma > 127.5 else WHITE
