"""Colour effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.effects.bands import on_colour, on_rgb
from imgorigin.transform.effects.registry import effect, no_value, optional_int
from imgorigin.transform.vips import bandjoin

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext

# Rec. 709 luma weights, ImageMagick's default pixel intensity.
_LUMA = [[0.2126, 0.7152, 0.0722]]


@effect("grayscale", parse_arg=no_value, example="e_grayscale")
def grayscale(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """Converts to shades of grey (R = G = B), keeping any alpha channel."""
    return on_colour(image, lambda colour: colour.colourspace("b-w").colourspace("srgb"))


@effect("sepia", parse_arg=optional_int(80, 1, 100), example="e_sepia:50")
def sepia(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Sepia toning as ImageMagick's sepia-tone, with the level 1-100 (default 80) as its threshold:
    every pixel becomes a brown tone of its own intensity (red >= green >= blue on any input), and a
    higher level gives a darker, stronger tone. Example: ``e_sepia:50``."""
    threshold = 255 * level / 100

    import pyvips

    def tone(rgb: pyvips.Image) -> pyvips.Image:
        intensity = rgb.recomb(pyvips.Image.new_from_list(_LUMA))
        # Each curve is the intensity moved by a fixed amount (so the detail stays) and clipped; the
        # shifts decrease from red to blue, which keeps red >= green >= blue everywhere.
        red = intensity + (255 - threshold)
        green = intensity + (255 - 7 * threshold / 6)
        blue = intensity - threshold / 6
        floor = threshold / 7  # ImageMagick's floor in the shadows, on all three so the order holds
        bands = [(band > 255).ifthenelse(255, (band < floor).ifthenelse(floor, band)) for band in (red, green, blue)]
        return bandjoin(bands).copy(interpretation="srgb")

    return on_rgb(image, tone)
