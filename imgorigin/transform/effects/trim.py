"""``e_trim``: cut away edges of the corner colour (or a given colour), like a scanner's white margin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.transform.colors import Color, parse_color
from imgorigin.transform.effects.bands import page_height, split_alpha
from imgorigin.transform.effects.registry import Level, effect
from imgorigin.transform.vips import floats

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext


MIN_SIDE = 3
TOLERANCE = Level(10, 0, 100)


@dataclass(frozen=True)
class Trim:
    tolerance: int = TOLERANCE.default
    color: Color | None = None

    def canonical(self) -> str:
        return str(self.tolerance) if self.color is None else f"{self.tolerance}:{self.color.canonical()}"


def parse_trim(raw: str | None) -> Trim:
    if raw is None:
        return Trim()
    expected = f"a tolerance between {TOLERANCE.low} and {TOLERANCE.high}, optionally followed by ':' and a colour"
    tolerance, sep, colour = raw.partition(":")
    try:
        return Trim(TOLERANCE(tolerance), parse_color(colour) if sep else None)
    except ValueError:
        raise ValueError(expected) from None


@effect("trim", parse_arg=parse_trim, example="e_trim:20", format_arg=Trim.canonical, random_access=True,
        level=TOLERANCE)
def trim(image: pyvips.Image, spec: Trim, ctx: RenderContext) -> pyvips.Image:
    """Removes the edges whose colour is within tolerance percent of the top-left pixel's (or of the
    given colour); transparent edges are trimmed when that pixel is transparent. Nothing is cut if the
    whole image would go. ``e_trim[:tolerance[:colour]]``, tolerance 0-100, default 10.
    Example: ``e_trim:20`` or ``e_trim:5:white``."""
    if page_height(image) != image.height:
        return image  # the frames of an animation would each need their own box; leave them whole
    if image.width < MIN_SIDE or image.height < MIN_SIDE:
        return image  # libvips finds edges after a 3x3 median: nothing narrower has edges to find
    colour, alpha = split_alpha(image)
    threshold = max(spec.tolerance * 255 / 100, 0.5)
    evaluate = ctx.deadline.evaluate  # getpoint and find_trim compute pixels at once
    if spec.color is None and alpha is not None and evaluate(alpha, lambda: alpha.getpoint(0, 0))[0] == 0:
        left, top, width, height = evaluate(alpha, lambda: alpha.find_trim(threshold=threshold, background=[0]))
    else:
        if spec.color is not None:
            background = spec.color.rgb if colour.bands >= 3 else [_grey(spec.color)]
        else:
            background = evaluate(colour, lambda: colour.getpoint(0, 0))
        left, top, width, height = evaluate(
            colour, lambda: colour.find_trim(threshold=threshold, background=floats(background)))
    if width <= 0 or height <= 0:
        return image
    return image.crop(left, top, width, height)


def _grey(colour: Color) -> float:
    return 0.2126 * colour.r + 0.7152 * colour.g + 0.0722 * colour.b
