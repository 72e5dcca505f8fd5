"""Values of the output parameters, which apply once, at encode, wherever they stand: the format
(``f_``), the quality (``q_``) and the frames (``pg_``). Nothing here imports pyvips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imgorigin.transform.numbers import IntBetween
from imgorigin.transform.values import OutputFormat, parse_output_format


@dataclass(frozen=True)
class FormatChoice:
    """``f_<format>`` or ``f_auto`` (chosen from the request's Accept header at delivery)."""

    format: OutputFormat | None  # None means auto

    def canonical(self) -> str:
        return "auto" if self.format is None else self.format.value


def parse_format_choice(raw: str) -> FormatChoice:
    if raw == "auto":
        return FormatChoice(None)
    try:
        return FormatChoice(parse_output_format(raw))
    except ValueError:
        raise ValueError("auto or one of jpg, png, webp, avif, gif, tiff") from None


@dataclass(frozen=True)
class Quality:
    """``q_<1-100>``; ``q_auto[:best|good|eco|low]`` picks the quality that meets a perceptual target."""

    value: int | None = None
    auto: str | None = None

    def canonical(self) -> str:
        if self.auto is None:
            return str(self.value)
        return "auto" if self.auto == "good" else f"auto:{self.auto}"


AUTO_QUALITY_LEVELS = ("best", "good", "eco", "low")


QUALITY_RANGE = IntBetween(1, 100)


def parse_quality(raw: str) -> Quality:
    expected = "an integer between 1 and 100, or auto[:best|good|eco|low]"
    if raw == "auto":
        return Quality(auto="good")
    if raw.startswith("auto:"):
        level = raw[5:]
        if level not in AUTO_QUALITY_LEVELS:
            raise ValueError(expected)
        return Quality(auto=level)
    try:
        return Quality(value=QUALITY_RANGE(raw))
    except ValueError:
        raise ValueError(expected) from None


@dataclass(frozen=True)
class PageRange:
    """``pg_<n>`` one frame, ``pg_<a>-<b>`` frames a to b, ``pg_<a>-`` frame a to the last (1-based)."""

    first: int
    last: int | None  # None: to the last frame

    def canonical(self) -> str:
        if self.last == self.first:
            return str(self.first)
        return f"{self.first}-{'' if self.last is None else self.last}"


_PAGES = re.compile(r"([0-9]{1,5})(?:(-)([0-9]{1,5})?)?")


def parse_page_range(raw: str) -> PageRange:
    expected = "a frame number from 1, or frames such as 2-5 or 3- (to the last)"
    match = _PAGES.fullmatch(raw)
    if not match:
        raise ValueError(expected)
    first = int(match[1])
    last = first if not match[2] else int(match[3]) if match[3] else None
    if first < 1 or (last is not None and last < first):
        raise ValueError(expected)
    return PageRange(first, last)
