"""Typed values of URL parameters and the functions that parse them.

A parser takes the raw text after ``key_`` and returns a typed, hashable value, or raises
``ValueError`` whose text says what was expected; ``Param`` turns that into the public message
(``Invalid w_-5: expected ...``). Nothing here imports pyvips.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

_INT = re.compile(r"-?[0-9]{1,9}")
_DECIMAL = re.compile(r"-?(?:[0-9]{1,9}\.[0-9]{1,12}|\.[0-9]{1,12})")
DECIMAL_PLACES = 6


def format_decimal(value: float) -> str:
    """A decimal that always keeps its point, so ``1.0`` (100%) never reads back as 1 pixel."""
    text = f"{value:.{DECIMAL_PLACES}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def format_number(value: float) -> str:
    """An integer when it is whole, otherwise a decimal: for degrees, ratios and factors."""
    return str(int(value)) if float(value).is_integer() else format_decimal(value)


# Range parsers are data, not closures: the JSON body, the OpenAPI document and the docs read the
# bounds from the declarations instead of repeating them.
@dataclass(frozen=True)
class IntBetween:
    low: int
    high: int

    def __call__(self, raw: str) -> int:
        if not _INT.fullmatch(raw) or not self.low <= int(raw) <= self.high:
            raise ValueError(f"an integer between {self.low} and {self.high}")
        return int(raw)


@dataclass(frozen=True)
class NumberBetween:
    low: float
    high: float
    exclusive_low: bool = False

    def __call__(self, raw: str) -> float:
        low, high = format_number(self.low), format_number(self.high)
        if not (_INT.fullmatch(raw) or _DECIMAL.fullmatch(raw)):
            raise ValueError(f"a number between {low} and {high}")
        value = round(float(raw), DECIMAL_PLACES)
        too_low = value <= self.low if self.exclusive_low else value < self.low
        if too_low or value > self.high:
            if self.exclusive_low:
                raise ValueError(f"a number above {low} and at most {high}")
            raise ValueError(f"a number between {low} and {high}")
        return value


def int_between(low: int, high: int) -> IntBetween:
    return IntBetween(low, high)


def number_between(low: float, high: float, *, exclusive_low: bool = False) -> NumberBetween:
    return NumberBetween(low, high, exclusive_low)


@dataclass(frozen=True)
class Length:
    """Pixels (``300``) or, written with a decimal point, a fraction of the current image (``0.5``)."""

    value: float
    relative: bool = False

    def canonical(self) -> str:
        return format_decimal(self.value) if self.relative else str(int(self.value))

    def resolve(self, reference: int) -> int:
        if self.relative:
            return max(1, round_half_up(self.value * reference))
        return int(self.value)


def round_half_up(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


MAX_RELATIVE = 100.0


def length_parser(max_pixels: int) -> Callable[[str], Length]:
    def parse(raw: str) -> Length:
        expected = f"an integer between 1 and {max_pixels} (pixels) or a decimal such as 0.5 (a fraction)"
        if _INT.fullmatch(raw):
            if not 1 <= int(raw) <= max_pixels:
                raise ValueError(expected)
            return Length(int(raw))
        if _DECIMAL.fullmatch(raw):
            value = round(float(raw), DECIMAL_PLACES)
            if not 0 < value <= MAX_RELATIVE:
                raise ValueError(expected)
            return Length(value, relative=True)
        raise ValueError(expected)

    return parse


def offset_parser(max_pixels: int) -> Callable[[str], Length]:
    """x_ and y_: signed pixels, or a signed decimal fraction of the image."""

    def parse(raw: str) -> Length:
        expected = f"an integer between -{max_pixels} and {max_pixels} or a decimal fraction such as 0.25"
        if _INT.fullmatch(raw) and abs(int(raw)) <= max_pixels:
            return Length(int(raw))
        if _DECIMAL.fullmatch(raw) and abs(float(raw)) <= MAX_RELATIVE:
            return Length(round(float(raw), DECIMAL_PLACES), relative=True)
        raise ValueError(expected)

    return parse


def enum_parser(kind: type[StrEnum], what: str) -> Callable[[str], StrEnum]:
    choices = ", ".join(member.value for member in kind)

    def parse(raw: str) -> StrEnum:
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{what}: one of {choices}") from None

    return parse


class CropMode(StrEnum):
    SCALE = "scale"
    FIT = "fit"
    LIMIT = "limit"
    MFIT = "mfit"
    FILL = "fill"
    LFILL = "lfill"
    PAD = "pad"
    LPAD = "lpad"
    CROP = "crop"
    THUMB = "thumb"
    AUTO = "auto"
    FILL_PAD = "fill_pad"


class Gravity(StrEnum):
    NORTH_WEST = "north_west"
    NORTH = "north"
    NORTH_EAST = "north_east"
    WEST = "west"
    CENTER = "center"
    EAST = "east"
    SOUTH_WEST = "south_west"
    SOUTH = "south"
    SOUTH_EAST = "south_east"
    AUTO = "auto"
    FACE = "face"  # the largest face
    FACES = "faces"  # all the faces
    AUTO_FACES = "auto:faces"  # the faces, or where libvips' attention looks when there are none

    @property
    def anchor(self) -> tuple[float, float]:
        """Where the gravity sits as (x, y) fractions of the free space: 0 left/top, 1 right/bottom."""
        name = self.value
        x = 0.0 if "west" in name else 1.0 if "east" in name else 0.5
        y = 0.0 if "north" in name else 1.0 if "south" in name else 0.5
        return x, y


class OutputFormat(StrEnum):
    JPEG = "jpg"
    PNG = "png"
    WEBP = "webp"
    AVIF = "avif"
    GIF = "gif"
    TIFF = "tiff"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @property
    def supports_alpha(self) -> bool:
        return self is not OutputFormat.JPEG

    @property
    def supports_animation(self) -> bool:
        return self in (OutputFormat.GIF, OutputFormat.WEBP)


_MEDIA_TYPES = {
    OutputFormat.JPEG: "image/jpeg",
    OutputFormat.PNG: "image/png",
    OutputFormat.WEBP: "image/webp",
    OutputFormat.AVIF: "image/avif",
    OutputFormat.GIF: "image/gif",
    OutputFormat.TIFF: "image/tiff",
}

FORMAT_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff"}


def parse_output_format(raw: str) -> OutputFormat:
    lowered = raw.lower()
    try:
        return OutputFormat(FORMAT_ALIASES.get(lowered, lowered))
    except ValueError:
        raise ValueError("one of jpg, png, webp, avif, gif, tiff") from None


@dataclass(frozen=True)
class FormatChoice:
    """``f_<format>`` or ``f_auto`` (chosen from the request's Accept header at delivery)."""

    format: OutputFormat | None  # None means auto

    def canonical(self) -> str:
        return "auto" if self.format is None else self.format.value


class AutoFormat(StrEnum):
    """What ``f_auto`` resolved to for one request: the class of its Accept header, which with the
    source decides the format at render. The value is the format part of the cache key."""

    AVIF = "auto:avif"
    WEBP = "auto:webp"
    OTHER = "auto:other"

    @property
    def preferred(self) -> OutputFormat | None:
        """The browser's best format; None: JPEG, or PNG when the image has alpha."""
        return {AutoFormat.AVIF: OutputFormat.AVIF, AutoFormat.WEBP: OutputFormat.WEBP}.get(self)


# A derivative's format: fixed by the URL, or f_auto's choice for the request's Accept class.
Output = OutputFormat | AutoFormat


def parse_format_choice(raw: str) -> FormatChoice:
    if raw == "auto":
        return FormatChoice(None)
    try:
        return FormatChoice(parse_output_format(raw))
    except ValueError:
        raise ValueError("auto or one of jpg, png, webp, avif, gif, tiff") from None


class Flip(StrEnum):
    HFLIP = "hflip"
    VFLIP = "vflip"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Angle:
    """``a_<degrees>`` (any angle, clockwise), ``a_hflip``, ``a_vflip``, ``a_ignore``, or several joined by '.'."""

    modes: tuple[Flip | float, ...]

    def canonical(self) -> str:
        return ".".join(m.value if isinstance(m, Flip) else format_number(m) for m in self.modes)

    @property
    def ignores_exif(self) -> bool:
        return Flip.IGNORE in self.modes


DEGREES = NumberBetween(-360, 360)


def parse_angle(raw: str) -> Angle:
    expected = "degrees between -360 and 360, hflip, vflip or ignore (several joined by '.')"
    modes: list[Flip | float] = []
    degrees = DEGREES
    for part in raw.split("."):
        if part in Flip.__members__.values() or part in {f.value for f in Flip}:
            modes.append(Flip(part))
            continue
        try:
            modes.append(degrees(part))
        except ValueError:
            raise ValueError(expected) from None
    # Joining by '.' makes "a_12.5" ambiguous; Cloudinary reads it as a decimal angle, so do we.
    if len(modes) == 2 and all(isinstance(m, float) for m in modes):
        try:
            return Angle((degrees(raw),))
        except ValueError:
            raise ValueError(expected) from None
    if len(set(modes)) != len(modes):
        raise ValueError(expected)
    return Angle(tuple(modes))


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


def parse_aspect_ratio(raw: str) -> float:
    """``ar_16:9`` or ``ar_1.5``."""
    expected = "a ratio such as 16:9 or a decimal such as 1.5 (between 0.01 and 100)"
    ratio = number_between(0.01, 100)
    if ":" in raw:
        left, _, right = raw.partition(":")
        try:
            value = ratio(left) / ratio(right)
        except (ValueError, ZeroDivisionError):
            raise ValueError(expected) from None
        value = round(value, DECIMAL_PLACES)
        if not 0.01 <= value <= 100:
            raise ValueError(expected)
        return value
    try:
        return ratio(raw)
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
