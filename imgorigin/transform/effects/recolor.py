"""Colour replacement: ``e_replace_color`` (recolours one colour and its neighbours, keeping their
shading) and ``e_make_transparent`` (a uniform background becomes transparent)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.transform.colors import Color, parse_color
from imgorigin.transform.effects.bands import join_alpha, split_alpha, to_uchar
from imgorigin.transform.effects.registry import effect, optional_int, split_args
from imgorigin.transform.numbers import int_between
from imgorigin.transform.predominant import border_color, predominant_color

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext

_BARE_HEX = re.compile(r"^[0-9a-fA-F]{6}$")
FEATHER = 0.25  # the replacement fades out over the last quarter of the tolerance radius
MAX_RGB_DISTANCE = math.sqrt(3) * 255


def _colour(token: str) -> Color:
    # Cloudinary's own examples write the source colour as bare hex (e_replace_color:blue:60:2b38aa).
    return parse_color(f"rgb:{token}" if _BARE_HEX.match(token) else token)


@dataclass(frozen=True)
class Replacement:
    to: Color
    tolerance: int = 50
    source: Color | None = None  # None: the image's predominant colour

    def canonical(self) -> str:
        parts = [self.to.canonical(), str(self.tolerance)]
        if self.source is not None:
            parts.append(self.source.canonical())
        return ":".join(parts)


def parse_replacement(raw: str | None) -> Replacement:
    expected = "a target colour, then optionally a tolerance 0-100 and a source colour (blue:60:rgb:2b38aa)"
    if raw is None:
        raise ValueError(expected)
    tokens = split_args(raw)
    try:
        to = _colour(tokens.pop(0))
        tolerance = int_between(0, 100)(tokens.pop(0)) if tokens and tokens[0].isdigit() else 50
        source = _colour(tokens.pop(0)) if tokens else None
    except ValueError:
        raise ValueError(expected) from None
    if tokens:
        raise ValueError(expected)
    return Replacement(to, tolerance, source)


def _lab(colour: Color) -> list[float]:
    import pyvips

    pixel = pyvips.Image.black(1, 1).new_from_image(colour.rgb).copy(interpretation="srgb").cast("uchar")
    return [float(v) for v in pixel.colourspace("lab")(0, 0)]


@effect("replace_color", parse_arg=parse_replacement, example="e_replace_color:maroon:60:rgb:2b38aa",
        format_arg=Replacement.canonical, random_access=True)
def replace_color(image: pyvips.Image, spec: Replacement, ctx: RenderContext) -> pyvips.Image:
    """Recolours a colour and those within the tolerance (a radius in Lab, default 50) to the target
    colour, moving each pixel by the same step in Lab so its shading stays.
    ``e_replace_color:<to>[:<tolerance>][:<from>]``; without ``<from>``, the image's predominant colour.
    Example: ``e_replace_color:maroon:60:rgb:2b38aa``."""
    colour, alpha = split_alpha(image)
    if colour.bands < 3:
        colour = colour.colourspace("srgb")
    source = spec.source or predominant_color(colour)
    origin, target = _lab(source), _lab(spec.to)
    lab = colour.colourspace("lab")
    distance = ((lab - origin) ** 2).bandmean() ** 0.5 * math.sqrt(3)
    radius = max(spec.tolerance, 0.5)
    # 1 inside (1 - FEATHER) of the radius, falling to 0 at the radius: no hard seam around the area.
    weight = (radius - distance) / (radius * FEATHER)
    weight = (weight > 1).ifthenelse(1, (weight < 0).ifthenelse(0, weight))
    moved = lab + [t - o for t, o in zip(target, origin, strict=True)] * weight
    out = moved.copy(interpretation="lab").colourspace("srgb")
    return join_alpha(to_uchar(out), alpha)


@effect("make_transparent", parse_arg=optional_int(10, 0, 100), example="e_make_transparent:20,co_white",
        qualifiers=frozenset({"co"}), adds_alpha=True, random_access=True)
def make_transparent(image: pyvips.Image, tolerance: int, ctx: RenderContext) -> pyvips.Image:
    """Makes a uniform background transparent: every pixel within the tolerance (0-100 percent of the
    largest RGB distance, default 10) of the ``co_`` colour — by default the colour that covers most
    of the image's edges. In a format without alpha it becomes the ``b_`` colour (white).
    ``e_make_transparent[:tolerance]``. Example: ``e_make_transparent:20,co_white``."""
    colour, alpha = split_alpha(image)
    if colour.bands < 3:
        colour = colour.colourspace("srgb")
    key = ctx.qualifiers.color or border_color(image)
    distance = ((colour.cast("float") - key.rgb) ** 2).bandmean() ** 0.5 * math.sqrt(3)
    keep = (distance > tolerance / 100 * MAX_RGB_DISTANCE).ifthenelse(255, 0).cast("uchar")
    if alpha is not None:
        keep = (keep * alpha / 255).cast("uchar")
    return colour.cast("uchar").bandjoin(keep)
