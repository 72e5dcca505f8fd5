"""``w_auto`` and ``dpr_auto``: a width and a pixel ratio the browser's client hints choose.

The parser keeps them as ``AutoWidth`` and ``AutoDpr``; ``autosize.resolve`` turns them into plain
``w_<px>`` and ``dpr_<n>`` from the hint values before the cache key is taken, so the renderer never sees
them and one resolved width is one cache entry whichever hint chose it. This module knows numbers, not
headers: ``http/hints.py`` reads the headers.

Cloudinary's rules: ``w_auto[:<step>[:<fallback>]]`` takes the width the image occupies in device pixels
(``Sec-CH-Width``), else the viewport's (``Sec-CH-Viewport-Width``, CSS pixels, times the DPR hint), rounds
it up to a multiple of ``step``, and without any hint uses ``fallback``, else the original's width. The width
never exceeds the original's nor the largest output side. ``dpr_auto`` is the DPR hint rounded up to a whole
number (as Cloudinary's own client-side code rounds it), capped like ``dpr_``, and 1.0 without a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from imgorigin.transform.values import Length

# Without a step, widths still round up to whole hundreds: the cache holds at most max_side/100 of them.
DEFAULT_STEP = 100
AUTO_SYNTAX = "auto, auto:<step> or auto:<step>:<fallback>"


@dataclass(frozen=True)
class AutoWidth:
    """``w_auto[:<step>[:<fallback>]]``; ``fallback`` None: the original's width when no hint comes."""

    step: int = DEFAULT_STEP
    fallback: int | None = None

    def canonical(self) -> str:
        tail = "" if self.fallback is None else f":{self.fallback}"
        return f"auto:{self.step}{tail}"


@dataclass(frozen=True)
class AutoDpr:
    """``dpr_auto``: the browser's device pixel ratio."""

    def canonical(self) -> str:
        return "auto"


@dataclass(frozen=True)
class Hints:
    """What the browser said, already checked: positive and finite, or None (absent or unusable)."""

    width: int | None = None  # device pixels the image occupies
    viewport_width: int | None = None  # CSS pixels
    dpr: float | None = None


NO_HINTS = Hints()


def parse_auto_width(raw: str, max_side: int) -> AutoWidth:
    """``raw`` is what follows ``w_`` and starts with ``auto``."""
    parts = raw.split(":")
    expected = f"{AUTO_SYNTAX}, with a step and a fallback between 1 and {max_side} pixels"
    if parts[0] != "auto" or len(parts) > 3 or not all(part.isascii() and part.isdigit() for part in parts[1:]):
        raise ValueError(expected)
    numbers = [int(part) for part in parts[1:]]
    if not all(1 <= number <= max_side for number in numbers):
        raise ValueError(expected)
    step = numbers[0] if numbers else DEFAULT_STEP
    return AutoWidth(step, numbers[1] if len(numbers) == 2 else None)


def with_auto(parse_fixed: Callable[[str], Length], max_side: int) -> Callable[[str], Length | AutoWidth]:
    """w_'s value parser: ``auto...`` here, everything else as before."""

    def parse(raw: str) -> Length | AutoWidth:
        return parse_auto_width(raw, max_side) if raw.startswith("auto") else parse_fixed(raw)

    return parse


def with_auto_dpr(parse_fixed: Callable[[str], float]) -> Callable[[str], float | AutoDpr]:
    """dpr_'s value parser: ``auto`` alone here, everything else as before."""

    def parse(raw: str) -> float | AutoDpr:
        if raw == "auto":
            return AutoDpr()
        if raw.startswith("auto"):
            raise ValueError("auto alone (the ratio comes from the browser's DPR hint)")
        return parse_fixed(raw)

    return parse


def fixed_width(value: Length | AutoWidth | None) -> Length | None:
    """A w_ the renderer can use. w_auto is resolved before any render (``autosize.resolve``), never here."""
    if isinstance(value, AutoWidth):
        raise RuntimeError("w_auto reached the renderer unresolved")
    return value


def fixed_dpr(value: float | AutoDpr | None) -> float | None:
    if isinstance(value, AutoDpr):
        raise RuntimeError("dpr_auto reached the renderer unresolved")
    return value
