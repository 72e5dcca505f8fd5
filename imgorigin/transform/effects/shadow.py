"""Effects drawn around the image's shape (its alpha, or its rectangle when opaque): ``e_shadow``
and ``e_outline``. Both grow the canvas so what they draw outside the image is never cut off; the new
area is transparent, or the ``b_`` colour (white) in a format without alpha."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from imgorigin.transform.colors import BLACK, Color
from imgorigin.transform.effects.blur import BLUR_SIGMA_PER_UNIT, gaussian
from imgorigin.transform.effects.registry import effect, keyword_then_ints, optional_int
from imgorigin.transform.vips import floats

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext
    from imgorigin.transform.deadline import Deadline
    from imgorigin.transform.values import Length

SHADOW_SIGMA = 4.0
SHADOW_OFFSET = 10  # pixels right and down when x_ / y_ are not given


def rgba(image: pyvips.Image) -> pyvips.Image:
    """sRGB with alpha, 8 bits."""
    if image.bands in (1, 2):
        image = image.colourspace("srgb")
    if not image.hasalpha():
        image = image.bandjoin(255)
    return image.cast("uchar")


def solid(colour: Color, alpha: pyvips.Image) -> pyvips.Image:
    """A layer of ``colour`` the size of ``alpha`` (coverage from 0 to 1), with that alpha."""
    import pyvips

    plane = pyvips.Image.black(alpha.width, alpha.height, bands=3).linear([1.0], floats(colour.rgb))
    return plane.bandjoin((alpha * colour.a).rint()).cast("uchar").copy(interpretation="srgb")


def _offset(length: Length | None, reference: int) -> int:
    if length is None:
        return SHADOW_OFFSET
    return round(length.value * reference) if length.relative else int(length.value)


@effect("shadow", parse_arg=optional_int(40, 0, 100), example="e_shadow:60,x_12,y_12,co_rgb:333333",
        qualifiers=frozenset({"x", "y", "co"}), adds_alpha=True, random_access=True)
def shadow(image: pyvips.Image, strength: int, ctx: RenderContext) -> pyvips.Image:
    """Casts a soft shadow of the image's shape behind it, offset by ``x_`` and ``y_`` pixels (default
    10 right and 10 down; negative goes left or up), in the ``co_`` colour (black by default) at
    strength 0-100 percent opacity (default 40). ``e_shadow[:strength]``.
    Example: ``e_shadow:60,x_12,y_12,co_rgb:333333``."""
    import pyvips

    width, height = image.width, image.height
    dx = _offset(ctx.qualifiers.x, width)
    dy = _offset(ctx.qualifiers.y, height)
    pad = math.ceil(3 * SHADOW_SIGMA)
    canvas_w, canvas_h = width + abs(dx) + 2 * pad, height + abs(dy) + 2 * pad
    left, top = pad + max(0, -dx), pad + max(0, -dy)
    layer = rgba(image)
    cast = layer[3].embed(left + dx, top + dy, canvas_w, canvas_h).gaussblur(SHADOW_SIGMA)
    behind = solid(ctx.qualifiers.color or BLACK, cast * (strength / 100 / 255))
    front = layer.embed(left, top, canvas_w, canvas_h)
    out = behind.composite2(front, pyvips.BlendMode.OVER)
    return out.cast("uchar").copy(interpretation="srgb")


class OutlineMode(StrEnum):
    OUTER = "outer"
    INNER = "inner"
    INNER_FILL = "inner_fill"
    FILL = "fill"


@dataclass(frozen=True)
class Outline:
    mode: OutlineMode = OutlineMode.OUTER
    width: int = 5
    blur: int = 0

    def canonical(self) -> str:
        return f"{self.mode.value}:{self.width}:{self.blur}"


def parse_outline(raw: str | None) -> Outline:
    expected = "[outer|inner|inner_fill|fill][:width 1-100][:blur 0-2000]"
    if raw is None:
        return Outline()
    mode, numbers = keyword_then_ints(raw, {m.value for m in OutlineMode}, [(1, 100), (0, 2000)], expected)
    return Outline(OutlineMode(mode or OutlineMode.OUTER), *numbers)


# A straight edge blurred with sigma = width / 2 falls to 2.3% of full at ``width`` pixels out.
_EDGE_LEVEL = 255 * 0.02275


def _grown(shape: pyvips.Image, width: int, deadline: Deadline) -> pyvips.Image:
    """Coverage (0-1) of ``shape`` (0/255) grown by ``width`` pixels, with round corners.

    A wide Gaussian thresholded where a straight edge's blur reaches ``width``: its cost does not
    grow with the width, where a dilation by a disc (or libvips' nearest-fill distance) takes seconds."""
    blurred = gaussian(shape.cast("float"), width / 2, deadline)
    ramp = (blurred - _EDGE_LEVEL / 2) / _EDGE_LEVEL  # about a pixel of anti-aliasing
    return (ramp > 1).ifthenelse(1.0, (ramp < 0).ifthenelse(0.0, ramp))


def _inner_band(shape: pyvips.Image, width: int, deadline: Deadline) -> pyvips.Image:
    """Coverage (0-1) of the band ``width`` pixels deep inside the edge of ``shape``."""
    margin = 2 * width
    # Background all around, so an opaque image has an edge along its border.
    outside = (shape ^ 255).embed(margin, margin, shape.width + 2 * margin, shape.height + 2 * margin,
                                  background=[255])
    near_edge = _grown(outside, width, deadline).crop(margin, margin, shape.width, shape.height)
    return near_edge * (shape / 255)


@effect("outline", parse_arg=parse_outline, example="e_outline:outer:8:200,co_orange", format_arg=Outline.canonical,
        qualifiers=frozenset({"co"}), adds_alpha=True, random_access=True)
def outline(image: pyvips.Image, spec: Outline, ctx: RenderContext) -> pyvips.Image:
    """Draws a line of the ``co_`` colour (black by default) along the edge of the image's shape:
    ``outer`` (default) around it, ``inner`` inside its edge, ``fill`` around it with the shape filled
    too, ``inner_fill`` the shape filled. ``e_outline[:mode][:width][:blur]``: width 1-100 pixels
    (default 5), blur 0-2000 as ``e_blur`` (default 0). Example: ``e_outline:outer:8:200,co_orange``."""
    import pyvips

    sigma = spec.blur * BLUR_SIGMA_PER_UNIT
    outward = spec.mode in (OutlineMode.OUTER, OutlineMode.FILL)
    grow = spec.width + math.ceil(3 * sigma) if outward else 0
    layer = rgba(image).embed(grow, grow, image.width + 2 * grow, image.height + 2 * grow)
    shape = (layer[3] > 127).ifthenelse(255, 0).cast("uchar")
    if outward:
        line = _grown(shape, spec.width, ctx.deadline)
    elif spec.mode is OutlineMode.INNER:
        line = _inner_band(shape, spec.width, ctx.deadline)
    else:
        line = shape / 255
    if sigma > 0:
        line = gaussian(ctx.deadline.copy_memory(line), sigma, ctx.deadline)
    drawn = solid(ctx.qualifiers.color or BLACK, line)
    if spec.mode is OutlineMode.OUTER:
        out = drawn.composite2(layer, pyvips.BlendMode.OVER)
    elif spec.mode is OutlineMode.INNER:
        out = layer.composite2(drawn, pyvips.BlendMode.OVER)
    else:
        out = drawn
    return out.cast("uchar").copy(interpretation="srgb")
