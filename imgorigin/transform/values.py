"""Typed values of URL parameters and the functions that parse them.

A parser takes the raw text after ``key_`` and returns a typed, hashable value, or raises
``ValueError`` whose text says what was expected; ``Param`` turns that into the public message
(``Invalid w_-5: expected ...``). Nothing here imports pyvips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from imgorigin.transform.numbers import (
    DECIMAL,
    DECIMAL_PLACES,
    INTEGER,
    NumberBetween,
    format_decimal,
    format_number,
    number_between,
    round_half_up,
)


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


MAX_RELATIVE = 100.0


def length_parser(max_pixels: int) -> Callable[[str], Length]:
    def parse(raw: str) -> Length:
        expected = f"an integer between 1 and {max_pixels} (pixels) or a decimal such as 0.5 (a fraction)"
        if INTEGER.fullmatch(raw):
            if not 1 <= int(raw) <= max_pixels:
                raise ValueError(expected)
            return Length(int(raw))
        if DECIMAL.fullmatch(raw):
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
        if INTEGER.fullmatch(raw) and abs(int(raw)) <= max_pixels:
            return Length(int(raw))
        if DECIMAL.fullmatch(raw) and abs(float(raw)) <= MAX_RELATIVE:
            return Length(round(float(raw), DECIMAL_PLACES), relative=True)
        raise ValueError(expected)

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
