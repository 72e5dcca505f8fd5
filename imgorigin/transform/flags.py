"""Flags (``fl_<name>[:<value>]``, several joined by '.'): one small declaration each, in a registry.

``fl_layer_apply.relative`` parses into ``Flags`` holding both names; a flag that takes a value
(``fl_attachment:cat``) keeps it typed next to its name. Unknown or repeated flags are refused, and
the canonical form lists flags in alphabetical order so equal requests share one cache key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


def no_value(raw: str | None) -> None:
    if raw is not None:
        raise ValueError("no value")


@dataclass(frozen=True)
class Flag:
    name: str
    doc: str
    example: str
    parse_arg: Callable[[str | None], Any] = no_value
    format_arg: Callable[[Any], str | None] = lambda arg: None if arg is None else str(arg)


FLAGS: dict[str, Flag] = {}


def register(flag: Flag) -> Flag:
    if flag.name in FLAGS:
        raise RuntimeError(f"flag fl_{flag.name} is declared twice")
    FLAGS[flag.name] = flag
    return flag


@dataclass(frozen=True)
class Flags:
    """The flags of one component: (name, value) pairs sorted by name; value None for plain flags."""

    items: tuple[tuple[str, Any], ...] = ()

    def __contains__(self, name: object) -> bool:
        return any(name == item for item, _ in self.items)

    def value(self, name: str) -> Any:
        return dict(self.items).get(name)

    def without(self, name: str) -> Flags:
        return Flags(tuple(item for item in self.items if item[0] != name))

    def canonical(self) -> str:
        parts = []
        for name, arg in self.items:
            formatted = FLAGS[name].format_arg(arg)
            parts.append(name if formatted is None else f"{name}:{formatted}")
        return ".".join(parts)


def parse_flags(raw: str) -> Flags:
    items: dict[str, Any] = {}
    for part in raw.split("."):
        name, sep, arg = part.partition(":")
        flag = FLAGS.get(name)
        if flag is None:
            raise ValueError(f"known flags joined by '.' ({', '.join(sorted(FLAGS))})")
        if name in items:
            raise ValueError(f"each flag once (fl_{name} is repeated)")
        try:
            items[name] = flag.parse_arg(arg if sep else None)
        except ValueError as exc:
            raise ValueError(f"{exc} after fl_{name}:") from None
    return Flags(tuple(sorted(items.items())))


LAYER_APPLY = register(Flag(
    "layer_apply",
    "Closes an overlay started by l_: this component places the layer with g_, x_, y_ and o_.",
    "l_logo/w_100/fl_layer_apply,g_south_east,x_10,y_10",
)).name
RELATIVE = register(Flag(
    "relative",
    "Inside an overlay, decimal w_ and h_ are fractions of the base image instead of the layer.",
    "l_logo,w_0.25,fl_relative,g_north_east",
)).name
TILED = register(Flag(
    "tiled",
    "With fl_layer_apply: repeats the overlay over the whole image, the grid aligned on its g_, x_, y_ "
    "placement (a watermark that cannot be cropped away).",
    "l_logo,w_60,o_30,fl_tiled",
)).name


_ATTACHMENT_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _attachment_name(raw: str | None) -> str | None:
    # A plain name keeps the Content-Disposition header free of quoting and injection questions.
    if raw is not None and not _ATTACHMENT_NAME.fullmatch(raw):
        raise ValueError("a file name of 1 to 100 letters, digits, '_' or '-'")
    return raw


PROGRESSIVE_MODES = ("semi", "steep", "none")


def _progressive_mode(raw: str | None) -> str | None:
    if raw is not None and raw not in PROGRESSIVE_MODES:
        raise ValueError("semi, steep or none")
    return raw


PROGRESSIVE = register(Flag(
    "progressive",
    "Output flag: progressive JPEG (interlaced PNG and GIF), which shows a coarse image early. "
    "fl_progressive and fl_progressive:steep use the standard progression (a preview, then many "
    "refinements); fl_progressive:semi lets the encoder choose fewer scans for the smallest file; "
    "fl_progressive:none writes a baseline image.",
    "fl_progressive:semi",
    parse_arg=_progressive_mode,
)).name
ATTACHMENT = register(Flag(
    "attachment",
    "Output flag: answer with Content-Disposition: attachment so browsers download the file; "
    "an optional name (letters, digits, '_', '-') replaces the image id as the file name.",
    "fl_attachment:my_photo",
    parse_arg=_attachment_name,
)).name
KEEP_IPTC = register(Flag(
    "keep_iptc",
    "Output flag: keep the IPTC, XMP and EXIF metadata (copyright, captions) that is stripped by default.",
    "fl_keep_iptc",
)).name
LOSSY = register(Flag(
    "lossy",
    "Output flag: with f_auto, a PNG or GIF original is sent as lossy WebP or AVIF (without it, as "
    "lossless WebP, so graphics stay exact); a GIF output is quantised more loosely across frames.",
    "f_auto,fl_lossy",
)).name
STRIP_PROFILE = register(Flag(
    "strip_profile",
    "Output flag: send no colour profile. Every output already has its pixels converted to sRGB and "
    "its profile removed, so this only states it (and keeps a URL from Cloudinary working).",
    "fl_strip_profile",
)).name
ANIMATED = register(Flag(
    "animated",
    "Output flag: the result must stay animated when the original is: with a format that cannot "
    "animate (f_jpg, f_png, f_avif) it is a 400 instead of a still of the first frame.",
    "fl_animated",
)).name
AWEBP = register(Flag(
    "awebp",
    "Output flag: as fl_animated, for an animated WebP (f_webp or f_auto).",
    "fl_awebp",
)).name
OUTPUT_FLAGS = frozenset({PROGRESSIVE, ATTACHMENT, KEEP_IPTC, LOSSY, STRIP_PROFILE, ANIMATED, AWEBP})


def output_flags(components: Iterable[Flags | None]) -> Flags:
    """The output flags of a whole transformation: applied once, whichever component holds them."""
    found: dict[str, Any] = {}
    for flags in components:
        if flags is not None:
            found.update(item for item in flags.items if item[0] in OUTPUT_FLAGS)
    return Flags(tuple(sorted(found.items())))
