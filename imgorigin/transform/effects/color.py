"""Colour effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.effects import effect, no_value, optional_int

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.render import RenderContext


def _split_alpha(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def _join_alpha(image: pyvips.Image, alpha: pyvips.Image | None) -> pyvips.Image:
    return image if alpha is None else image.bandjoin(alpha)


@effect("grayscale", parse_arg=no_value, example="e_grayscale")
def grayscale(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """Converts to shades of grey (R = G = B), keeping any alpha channel."""
    colour, alpha = _split_alpha(image)
    grey = colour.colourspace("b-w").colourspace("srgb").cast("uchar")
    return _join_alpha(grey, alpha)


@effect("sepia", parse_arg=optional_int(80, 1, 100), example="e_sepia:50")
def sepia(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Sepia toning; the level 1-100 (default 80) blends the toned image over the original."""
    colour, alpha = _split_alpha(image)
    colour = colour.colourspace("srgb") if colour.bands < 3 else colour
    matrix = [
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131],
    ]
    toned = colour.recomb(matrix)
    strength = level / 100
    blended = (toned * strength + colour * (1 - strength)).cast("uchar")
    return _join_alpha(blended, alpha)
