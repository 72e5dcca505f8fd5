"""Colour washes: ``e_colorize`` (with ``co_``) and ``e_tint`` (a gradient of colours over lightness)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.transform.colors import BLACK, WHITE, Color, parse_color
from imgorigin.transform.effects.bands import on_rgb
from imgorigin.transform.effects.registry import effect, optional_int, split_args
from imgorigin.transform.numbers import int_between
from imgorigin.transform.vips import bandjoin

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext

DEFAULT_COLORIZE = Color(0x80, 0x80, 0x80)  # Cloudinary's default for e_colorize without co_: gray
DEFAULT_TINT = Color(0xFF, 0, 0)  # and for e_tint without colours: red
MAX_TINT_COLORS = 10


@effect("colorize", parse_arg=optional_int(100, 0, 100), example="e_colorize:40,co_blue")
def colorize(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Blends the colour given by ``co_`` (gray by default) over the image: level 0-100 percent,
    default 100 (solid colour, alpha kept). Example: ``e_colorize:40,co_blue``."""
    colour = ctx.qualifiers.color or DEFAULT_COLORIZE
    strength = level / 100
    return on_rgb(image, lambda rgb: rgb * (1 - strength) + [c * strength for c in colour.rgb])


@dataclass(frozen=True)
class Tint:
    amount: int = 60
    stops: tuple[tuple[Color, int | None], ...] = ((DEFAULT_TINT, None),)
    equalize: bool = False

    def canonical(self) -> str:
        parts = ["equalize"] if self.equalize else []
        parts.append(str(self.amount))
        for colour, position in self.stops:
            parts.append(colour.canonical())
            if position is not None:
                parts.append(f"{position}p")
        return ":".join(parts)


def parse_tint(raw: str | None) -> Tint:
    expected = (
        "[equalize:][amount 0-100][:colour[:position 0-100p]]... with up to "
        f"{MAX_TINT_COLORS} colours, positions on all or none"
    )
    if raw is None:
        return Tint()
    tokens = split_args(raw)
    equalize = bool(tokens) and tokens[0] == "equalize"
    if equalize:
        tokens.pop(0)
    amount = Tint.amount
    try:
        if tokens and tokens[0].lstrip("-").isdigit():
            amount = int_between(0, 100)(tokens.pop(0))
        stops: list[tuple[Color, int | None]] = []
        while tokens:
            colour = parse_color(tokens.pop(0))
            position = None
            if tokens and tokens[0].endswith("p") and tokens[0][:-1].isdigit():
                position = int_between(0, 100)(tokens.pop(0)[:-1])
            stops.append((colour, position))
    except ValueError:
        raise ValueError(expected) from None
    if len(stops) > MAX_TINT_COLORS or len({pos is None for _, pos in stops}) > 1:
        raise ValueError(expected)
    return Tint(amount, tuple(stops) or Tint.stops, equalize)


def _gradient(stops: tuple[tuple[Color, int | None], ...]) -> list[list[float]]:
    """256 RGB entries: the stops' colours at their lightness positions, linear in between.

    One colour is a duotone, black to the colour (at its position, the middle by default) to white,
    so a full-strength tint keeps the picture's light and shade instead of painting it flat."""
    if len(stops) == 1:
        colour, position = stops[0]
        stops = ((BLACK, 0), (colour, 50 if position is None else position), (WHITE, 100))
    if stops[0][1] is None:
        count = len(stops)
        placed = [(c, 50.0 if count == 1 else i * 100 / (count - 1)) for i, (c, _) in enumerate(stops)]
    else:
        placed = sorted(((c, float(p or 0)) for c, p in stops), key=lambda stop: stop[1])
    table = []
    for index in range(256):
        at = index * 100 / 255
        if at <= placed[0][1]:
            table.append([float(v) for v in placed[0][0].rgb])
            continue
        if at >= placed[-1][1]:
            table.append([float(v) for v in placed[-1][0].rgb])
            continue
        for (low, low_at), (high, high_at) in itertools.pairwise(placed):
            if low_at <= at <= high_at:
                t = 0.0 if high_at == low_at else (at - low_at) / (high_at - low_at)
                table.append([lo + (hi - lo) * t for lo, hi in zip(low.rgb, high.rgb, strict=True)])
                break
    return table


@effect("tint", parse_arg=parse_tint, example="e_tint:80:blue:yellow", format_arg=Tint.canonical)
def tint(image: pyvips.Image, spec: Tint, ctx: RenderContext) -> pyvips.Image:
    """Blends each pixel with a colour chosen by its lightness: one colour tints the image in shades of
    that colour (black to the colour to white, so light and shade stay), several form a gradient from
    the darkest pixels to the lightest (evenly spread, or at the given positions in %).
    ``e_tint[:equalize][:amount][:colour1[:pos1p]][:colour2[:pos2p]]...``: amount 0-100 (default 60),
    colours default red, up to 10; ``equalize`` first spreads the lightness histogram.
    Example: ``e_tint:80:blue:yellow``."""
    lut = _lut(spec.stops)
    strength = spec.amount / 100

    def change(rgb: pyvips.Image) -> pyvips.Image:
        grey = rgb.colourspace("b-w").cast("uchar")
        if spec.equalize:
            source = grey
            grey = ctx.deadline.evaluate(source, source.hist_equal)  # a histogram: computed now
        washed = grey.maplut(lut)
        return rgb * (1 - strength) + washed * strength

    return on_rgb(image, change)


def _lut(stops: tuple[tuple[Color, int | None], ...]) -> pyvips.Image:
    """The gradient as a 256 x 1, three-band lookup table for ``maplut``."""
    import pyvips

    table = _gradient(stops)
    bands = [pyvips.Image.new_from_list([[entry[b] for entry in table]]) for b in range(3)]
    return bandjoin(bands).cast("uchar")
