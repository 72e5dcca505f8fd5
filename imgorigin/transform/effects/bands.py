"""Helpers shared by effect units: work on the colour bands, keep alpha as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from imgorigin.transform.vips import get_int

if TYPE_CHECKING:
    import pyvips


def split_alpha(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def join_alpha(image: pyvips.Image, alpha: pyvips.Image | None) -> pyvips.Image:
    return image if alpha is None else image.bandjoin(alpha)


def to_uchar(image: pyvips.Image) -> pyvips.Image:
    """Back to 8 bits, rounding (a cast alone truncates: 177.5 would become 177) and clipping."""
    if image.format in ("float", "double", "complex", "dpcomplex"):
        image = image.rint()
    return image.cast("uchar")


def on_colour(image: pyvips.Image, change: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """Apply ``change`` to the colour bands only and cast back to 8 bits (libvips clips on cast)."""
    colour, alpha = split_alpha(image)
    return join_alpha(to_uchar(change(colour)), alpha)


def on_rgb(image: pyvips.Image, change: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """Like ``on_colour``, but grey images become sRGB first (for effects that add colour)."""
    colour, alpha = split_alpha(image)
    if colour.bands < 3:
        colour = colour.colourspace("srgb")
    return join_alpha(to_uchar(change(colour)), alpha)


def premultiplied(image: pyvips.Image, change: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """Apply a spatial ``change`` (blur, pixelate) to every band with alpha premultiplied, so
    transparent pixels' hidden colour does not bleed into visible ones."""
    if not image.hasalpha():
        return change(image).cast("uchar")
    interpretation = image.interpretation
    out = change(image.premultiply()).unpremultiply().cast("uchar")
    return out.copy(interpretation=interpretation)


def page_height(image: pyvips.Image) -> int:
    return get_int(image, "page-height", image.height)
