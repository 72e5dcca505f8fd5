"""Colour effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.effects import effect, no_value, optional_int
from imgorigin.transform.effects.bands import on_colour, on_rgb

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.render import RenderContext

_SEPIA = [
    [0.393, 0.769, 0.189],
    [0.349, 0.686, 0.168],
    [0.272, 0.534, 0.131],
]


@effect("grayscale", parse_arg=no_value, example="e_grayscale")
def grayscale(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """Converts to shades of grey (R = G = B), keeping any alpha channel."""
    return on_colour(image, lambda colour: colour.colourspace("b-w").colourspace("srgb"))


@effect("sepia", parse_arg=optional_int(80, 1, 100), example="e_sepia:50")
def sepia(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Sepia toning; the level 1-100 (default 80) blends the toned image over the original."""
    strength = level / 100
    return on_rgb(image, lambda colour: colour.recomb(_SEPIA) * strength + colour * (1 - strength))
