"""The registry of effects (``e_<name>[:<value>]``), keyed by name, and the helpers their value
parsers share.

A unit declares with ``@effect`` how its value is parsed (``ValueError`` with what was expected, or a
default when the value is omitted) and how it is applied to a ``pyvips.Image``; declaring a name
twice fails at import. The declaration is generic in the value's type, so mypy checks that the
implementation takes what the parser returns, and the parsed ``EffectCall`` carries the implementation
already bound to its value: nothing between the URL and the unit sees the value as ``Any``.
``parse_effect`` is the value parser of ``e_``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from imgorigin.transform.numbers import IntBetween, int_between

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext

T = TypeVar("T")
# A unit's libvips implementation: the image, the value its parser returned, the render's context.
Applier = Callable[["pyvips.Image", T, "RenderContext"], "pyvips.Image"]
Bound = Callable[["pyvips.Image", "RenderContext"], "pyvips.Image"]


def _plain(arg: object) -> str | None:
    return None if arg is None else str(arg)


@dataclass(frozen=True)
class Effect:
    name: str
    parse_arg: Callable[[str | None], object]
    # parse_arg, then the implementation bound to the value (see ``effect``).
    parse: Callable[[str | None], EffectCall]
    doc: str
    example: str
    # Reads pixels out of order (find a bounding box, run a model): the canvas must be in memory.
    random_access: bool = False
    # Keys of other parameters of its component that the effect reads (x_, y_, w_, h_, co_): there they
    # qualify the effect (e_blur_region,w_100) instead of resizing or cropping the image.
    qualifiers: frozenset[str] = frozenset()
    # Makes pixels transparent, so f_auto must pick a format with alpha.
    adds_alpha: bool = False
    # The integer its value starts with (e_blur:300, e_trim:20:white), if any.
    level: Level | None = None


EFFECTS: dict[str, Effect] = {}


def effect(
    name: str,
    *,
    parse_arg: Callable[[str | None], T],
    example: str,
    format_arg: Callable[[T], str | None] = _plain,
    random_access: bool = False,
    qualifiers: frozenset[str] = frozenset(),
    adds_alpha: bool = False,
    level: Level | None = None,
) -> Callable[[Applier[T]], Applier[T]]:
    """Declare an effect; the decorated function is its libvips implementation, its docstring the docs.
    ``level`` defaults to ``parse_arg`` when that is a ``Level``."""

    def register(apply: Applier[T]) -> Applier[T]:
        if name in EFFECTS:
            raise RuntimeError(f"effect e_{name} is declared twice")

        def parse(raw: str | None) -> EffectCall:
            arg = parse_arg(raw)
            return EffectCall(name, arg, format_arg(arg), lambda image, ctx: apply(image, arg, ctx))

        EFFECTS[name] = Effect(
            name, parse_arg, parse, (apply.__doc__ or "").strip(), example, random_access,
            qualifiers, adds_alpha, parse_arg if isinstance(parse_arg, Level) else level,
        )
        return apply

    return register


def no_value(raw: str | None) -> None:
    if raw is not None:
        raise ValueError("no value")


@dataclass(frozen=True)
class Level:
    """An effect's optional integer strength: ``default`` when omitted, else within ``low``-``high``.
    Declared as data so the JSON body, the OpenAPI document and the docs read the range from here."""

    default: int
    low: int
    high: int

    def __call__(self, raw: str | None) -> int:
        return self.default if raw is None else IntBetween(self.low, self.high)(raw)


def optional_int(default: int, low: int, high: int) -> Level:
    return Level(default, low, high)


def split_args(raw: str) -> list[str]:
    """An effect's ':'-separated values, keeping a colour written ``rgb:RRGGBB`` in one piece."""
    parts = raw.split(":")
    tokens: list[str] = []
    while parts:
        part = parts.pop(0)
        if part.lower() == "rgb" and parts:
            part = f"{part}:{parts.pop(0)}"
        tokens.append(part)
    return tokens


def keyword_then_ints(
    raw: str, keywords: Collection[str], ranges: Sequence[tuple[int, int]], expected: str
) -> tuple[str | None, list[int]]:
    """``[keyword][:n1][:n2]...``: a leading keyword (when it is one of ``keywords``), then at most one
    integer per range, each within it. Anything else is refused with ``expected``."""
    tokens = split_args(raw)
    keyword = tokens.pop(0) if tokens[0] in keywords else None
    if len(tokens) > len(ranges):
        raise ValueError(expected)
    try:
        return keyword, [int_between(low, high)(token) for (low, high), token in zip(ranges, tokens, strict=False)]
    except ValueError:
        raise ValueError(expected) from None


@dataclass(frozen=True)
class EffectCall:
    """``e_<name>[:<value>]`` parsed: equal to another when the name and the parsed value are."""

    name: str
    arg: object
    formatted: str | None = field(compare=False)
    # The unit's implementation with ``arg`` bound, typed where the unit is declared.
    run: Bound = field(compare=False, repr=False)

    @property
    def unit(self) -> Effect:
        return EFFECTS[self.name]

    def apply(self, image: pyvips.Image, ctx: RenderContext) -> pyvips.Image:
        return self.run(image, ctx)

    def canonical(self) -> str:
        return self.name if self.formatted is None else f"{self.name}:{self.formatted}"


def parse_effect(raw: str) -> EffectCall:
    name, sep, arg = raw.partition(":")
    unit = EFFECTS.get(name)
    if unit is None:
        # The whole list no longer fits a short error body: name the closest ones.
        close = difflib.get_close_matches(name, EFFECTS, n=3, cutoff=0.5) or ["grayscale", "blur", "sepia"]
        raise ValueError(f"a known effect such as {', '.join(close)} (all are listed in docs/transformations.md)")
    try:
        return unit.parse(arg if sep else None)
    except ValueError as exc:
        raise ValueError(f"{exc} after e_{name}:") from None
