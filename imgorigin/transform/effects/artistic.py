"""``e_cartoonify`` (flat colours and ink lines) and ``e_gradient_fade`` (an edge fading out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.effects.bands import join_alpha, page_height, split_alpha
from imgorigin.transform.effects.registry import effect, keyword_then_ints, split_args
from imgorigin.transform.numbers import int_between

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext


@dataclass(frozen=True)
class Cartoon:
    line_strength: int = 50
    reduction: int | None = None  # None: follows the line strength
    bw: bool = False

    @property
    def colour_reduction(self) -> int:
        return self.line_strength if self.reduction is None else self.reduction

    def canonical(self) -> str:
        if self.bw:
            return f"{self.line_strength}:bw"
        return str(self.line_strength) if self.reduction is None else f"{self.line_strength}:{self.reduction}"


def parse_cartoon(raw: str | None) -> Cartoon:
    expected = "[line strength 0-100][:colour reduction 0-100 or bw]"
    if raw is None:
        return Cartoon()
    tokens = split_args(raw)
    if len(tokens) > 2:
        raise ValueError(expected)
    try:
        line = int_between(0, 100)(tokens[0])
        if len(tokens) == 1:
            return Cartoon(line)
        if tokens[1] == "bw":
            return Cartoon(line, bw=True)
        return Cartoon(line, int_between(0, 100)(tokens[1]))
    except ValueError:
        raise ValueError(expected) from None


@effect("cartoonify", parse_arg=parse_cartoon, example="e_cartoonify:40:60", format_arg=Cartoon.canonical,
        random_access=True)
def cartoonify(image: pyvips.Image, spec: Cartoon, ctx: RenderContext) -> pyvips.Image:
    """A cartoon: colours smoothed and reduced to a few flat levels (their saturation raised), with
    dark lines along the edges. ``e_cartoonify[:line_strength][:colour_reduction|bw]``: line strength
    0-100 (default 50) sets how many edges are inked and how thick; colour reduction 0-100 (default:
    the line strength) how few colours are left; ``bw`` a black-and-white cartoon.
    Example: ``e_cartoonify:40:60``."""
    import pyvips

    colour, alpha = split_alpha(image)
    if colour.bands < 3:
        colour = colour.colourspace("srgb")
    median = ctx.deadline.copy_memory(colour.median(5))  # read twice below: colours and edges
    smooth = median
    reduction = spec.colour_reduction
    levels = max(2, round(12 - 9 * reduction / 100))
    step = 256 / levels
    if spec.bw:
        smooth = smooth.colourspace("b-w")
    else:
        boost = 1 + reduction / 200
        smooth = smooth.colourspace("lch").linear([1, boost, 1], [0, 0, 0]).colourspace("srgb")
    flat = ((smooth.cast("float") / step).floor() * step + step / 2).cast("uchar")
    if spec.bw:
        flat = flat.colourspace("srgb")
    edges = median.colourspace("b-w").gaussblur(1.0).sobel()
    # Stronger lines: a lower threshold inks more edges, and a dilation thickens them.
    threshold = 40 + (100 - spec.line_strength) * 1.6
    ink = (edges > threshold).ifthenelse(255, 0).cast("uchar")
    if spec.line_strength > 60:
        ink = ink.morph(pyvips.Image.new_from_list([[255] * 3] * 3), "dilate")
    out = (ink > 0).ifthenelse([0, 0, 0], flat)
    return join_alpha(out.cast("uchar").copy(interpretation="srgb"), alpha)


@dataclass(frozen=True)
class Fade:
    symmetric: bool = False
    strength: int = 20

    def canonical(self) -> str:
        return f"symmetric:{self.strength}" if self.symmetric else str(self.strength)


def parse_fade(raw: str | None) -> Fade:
    expected = "[symmetric][:strength 0-100]"
    if raw is None:
        return Fade()
    symmetric, numbers = keyword_then_ints(raw, {"symmetric"}, [(0, 100)], expected)
    return Fade(symmetric is not None, *numbers)


DEFAULT_FADE = 0.5  # the top half fades when neither x_ nor y_ is given


def _ramp(size: int, across: int, length: float, from_end: bool, vertical: bool) -> pyvips.Image:
    """0 at the faded edge rising to 1 at ``length`` pixels from it, as a (size x across) image."""
    import pyvips

    xyz = pyvips.Image.xyz(across, size) if vertical else pyvips.Image.xyz(size, across)
    position = xyz[1] if vertical else xyz[0]
    if from_end:
        position = position * -1 + (size - 1)
    ramp = (position + 0.5) / max(length, 1.0)
    return (ramp > 1).ifthenelse(1.0, ramp)


@effect("gradient_fade", parse_arg=parse_fade, example="e_gradient_fade:symmetric:40,y_0.3", format_arg=Fade.canonical,
        qualifiers=frozenset({"x", "y"}), adds_alpha=True)
def gradient_fade(image: pyvips.Image, spec: Fade, ctx: RenderContext) -> pyvips.Image:
    """Fades one edge of the image to transparent (the ``b_`` colour, white, without alpha). ``y_``
    fades from the top (negative: from the bottom), ``x_`` from the left (negative: from the right),
    over that many pixels or that fraction of the image; default ``y_0.5``, the top half. Strength
    0-100 (default 20) shapes the curve: 0 is no fade, 20 linear, higher keeps more of the edge
    faded. ``symmetric`` fades the opposite edge too. ``e_gradient_fade[:symmetric][:strength]``.
    Example: ``e_gradient_fade:symmetric:40,y_0.3``."""
    x_len, y_len = ctx.qualifiers.x, ctx.qualifiers.y
    if x_len is not None and y_len is not None:
        raise InvalidTransformation("e_gradient_fade fades one edge: give x_ or y_, not both")
    width, height = image.width, page_height(image)
    vertical = x_len is None
    chosen = y_len if vertical else x_len
    size = height if vertical else width
    if chosen is None:
        length, from_end = DEFAULT_FADE * size, False
    else:
        length = abs(chosen.value) * size if chosen.relative else abs(chosen.value)
        from_end = chosen.value < 0
    across = width if vertical else height
    factor = _ramp(size, across, length, from_end, vertical)
    if spec.symmetric:
        factor = factor * _ramp(size, across, length, not from_end, vertical)
    factor = factor ** (spec.strength / 20)
    colour, alpha = split_alpha(image)
    if colour.bands < 3:
        colour = colour.colourspace("srgb")
    base = alpha if alpha is not None else colour.new_from_image(255)[0]
    return colour.bandjoin((base * factor).rint().cast("uchar"))
