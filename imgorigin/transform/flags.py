"""Flags (``fl_<name>[:<value>]``, several joined by '.'): one small declaration each, in a registry.

``fl_layer_apply.relative`` parses into ``Flags`` holding both names; a flag that takes a value
(``fl_attachment:cat``) keeps it typed next to its name. Unknown or repeated flags are refused, and
the canonical form lists flags in alphabetical order so equal requests share one cache key.

A ``Flag`` is generic in its value's type: mypy checks that its ``format_arg`` reads what its
``parse_arg`` returns, and ``Flags.value(flag)`` gives the reader that type, not ``Any``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, NamedTuple, Protocol, TypeVar, cast

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def no_value(raw: str | None) -> None:
    if raw is not None:
        raise ValueError("no value")


def _plain(arg: object) -> str | None:
    return None if arg is None else str(arg)


class FlagValue(NamedTuple):
    """One parsed flag: its name, the value its parser returned and that value's canonical text."""

    name: str
    value: object = None
    text: str | None = None


@dataclass(frozen=True)
class Flag(Generic[T]):
    """A flag's declaration; the typed key ``Flags.value`` reads its value with."""

    name: str
    doc: str
    example: str
    parse_arg: Callable[[str | None], T]
    format_arg: Callable[[T], str | None] = _plain

    def parse(self, raw: str | None) -> FlagValue:
        arg = self.parse_arg(raw)
        return FlagValue(self.name, arg, self.format_arg(arg))


class Key(Protocol[T_co]):
    """What ``Flags.value`` needs of a ``Flag``: covariant, so ``Flag[str | None]`` reads as ``object`` too."""

    @property
    def name(self) -> str: ...

    @property
    def parse_arg(self) -> Callable[[str | None], T_co]: ...


@dataclass(frozen=True)
class Declared:
    """What the registry keeps of a flag, whatever its value's type."""

    name: str
    doc: str
    example: str
    parse: Callable[[str | None], FlagValue]


FLAGS: dict[str, Declared] = {}


def register(flag: Flag[T]) -> Flag[T]:
    if flag.name in FLAGS:
        raise RuntimeError(f"flag fl_{flag.name} is declared twice")
    FLAGS[flag.name] = Declared(flag.name, flag.doc, flag.example, flag.parse)
    return flag


def plain(name: str, doc: str, example: str) -> str:
    """Declare a flag that takes no value; its name is all the rest of the engine needs."""
    return register(Flag(name, doc, example, no_value)).name


@dataclass(frozen=True)
class Flags:
    """The flags of one component, sorted by name; a plain flag's value is None."""

    items: tuple[FlagValue, ...] = ()

    @classmethod
    def plain(cls, *names: str) -> Flags:
        return cls(tuple(sorted(FlagValue(name) for name in names)))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def value(self, flag: Key[T]) -> T | None:
        for item in self.items:
            if item.name == flag.name:
                # Only Flag.parse builds an item that holds a value, so it has that flag's type.
                return cast(T, item.value)
        return None

    def with_plain(self, name: str) -> Flags:
        return self if name in self else Flags(tuple(sorted((*self.items, FlagValue(name)))))

    def without(self, name: str) -> Flags:
        return Flags(tuple(item for item in self.items if item.name != name))

    def canonical(self) -> str:
        return ".".join(item.name if item.text is None else f"{item.name}:{item.text}" for item in self.items)


def parse_flags(raw: str) -> Flags:
    items: dict[str, FlagValue] = {}
    for part in raw.split("."):
        name, sep, arg = part.partition(":")
        flag = FLAGS.get(name)
        if flag is None:
            raise ValueError(f"known flags joined by '.' ({', '.join(sorted(FLAGS))})")
        if name in items:
            raise ValueError(f"each flag once (fl_{name} is repeated)")
        try:
            items[name] = flag.parse(arg if sep else None)
        except ValueError as exc:
            raise ValueError(f"{exc} after fl_{name}:") from None
    return Flags(tuple(items[name] for name in sorted(items)))


LAYER_APPLY = plain(
    "layer_apply",
    "Closes an overlay started by l_: this component places the layer with g_, x_, y_ and o_.",
    "l_logo/w_100/fl_layer_apply,g_south_east,x_10,y_10",
)
RELATIVE = plain(
    "relative",
    "Inside an overlay, decimal w_ and h_ are fractions of the base image instead of the layer.",
    "l_logo,w_0.25,fl_relative,g_north_east",
)
TILED = plain(
    "tiled",
    "With fl_layer_apply: repeats the overlay over the whole image, the grid aligned on its g_, x_, y_ "
    "placement (a watermark that cannot be cropped away).",
    "l_logo,w_60,o_30,fl_tiled",
)


_ATTACHMENT_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _attachment_name(raw: str | None) -> str | None:
    # A plain name keeps the Content-Disposition header free of quoting and injection questions.
    if raw is not None and not _ATTACHMENT_NAME.fullmatch(raw):
        raise ValueError("a file name of 1 to 100 letters, digits, '_' or '-'")
    return raw


class Progression(StrEnum):
    SEMI = "semi"
    STEEP = "steep"
    NONE = "none"


def _progression(raw: str | None) -> Progression | None:
    if raw is None:
        return None
    try:
        return Progression(raw)
    except ValueError:
        raise ValueError("semi, steep or none") from None


PROGRESSIVE = register(Flag(

    "progressive",
    "Output flag: progressive JPEG (interlaced PNG and GIF), which shows a coarse image early. "
    "fl_progressive and fl_progressive:steep use the standard progression (a preview, then many "
    "refinements); fl_progressive:semi lets the encoder choose fewer scans for the smallest file; "
    "fl_progressive:none writes a baseline image.",
    "fl_progressive:semi",
    parse_arg=_progression,
))
ATTACHMENT = register(Flag(
    "attachment",
    "Output flag: answer with Content-Disposition: attachment so browsers download the file; "
    "an optional name (letters, digits, '_', '-') replaces the image id as the file name.",
    "fl_attachment:my_photo",
    parse_arg=_attachment_name,
))
KEEP_IPTC = plain(
    "keep_iptc",
    "Output flag: keep the IPTC, XMP and EXIF metadata (copyright, captions) that is stripped by default.",
    "fl_keep_iptc",
)
LOSSY = plain(
    "lossy",
    "Output flag: with f_auto, a PNG or GIF original is sent as lossy WebP or AVIF (without it, as "
    "lossless WebP, so graphics stay exact); a GIF output is quantised more loosely across frames.",
    "f_auto,fl_lossy",
)
STRIP_PROFILE = plain(
    "strip_profile",
    "Output flag: send no colour profile. Every output already has its pixels converted to sRGB and "
    "its profile removed, so this only states it (and keeps a URL from Cloudinary working).",
    "fl_strip_profile",
)
ANIMATED = plain(
    "animated",
    "Output flag: the result must stay animated when the original is: with a format that cannot "
    "animate (f_jpg, f_png, f_avif) it is a 400 instead of a still of the first frame.",
    "fl_animated",
)
AWEBP = plain(
    "awebp",
    "Output flag: as fl_animated, for an animated WebP (f_webp or f_auto).",
    "fl_awebp",
)
OUTPUT_FLAGS = frozenset({PROGRESSIVE.name, ATTACHMENT.name, KEEP_IPTC, LOSSY, STRIP_PROFILE, ANIMATED, AWEBP})


def output_flags(components: Iterable[Flags | None]) -> Flags:
    """The output flags of a whole transformation: applied once, whichever component holds them."""
    found: dict[str, FlagValue] = {}
    for flags in components:
        if flags is not None:
            found.update((item.name, item) for item in flags.items if item.name in OUTPUT_FLAGS)
    return Flags(tuple(found[name] for name in sorted(found)))
