"""Colours as Cloudinary writes them: a CSS name (``blue``), ``rgb:RRGGBB[AA]`` or ``rgb:RGB[A]``; and
``b_``'s values, a colour or ``auto[:<mode>]`` (measured on the image at render time, ``autobg``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

# The CSS basic and most-used extended names; Cloudinary accepts any CSS colour name.
NAMED: dict[str, str] = {
    "black": "000000", "white": "ffffff", "red": "ff0000", "green": "008000", "blue": "0000ff",
    "yellow": "ffff00", "cyan": "00ffff", "aqua": "00ffff", "magenta": "ff00ff", "fuchsia": "ff00ff",
    "gray": "808080", "grey": "808080", "silver": "c0c0c0", "maroon": "800000", "olive": "808000",
    "lime": "00ff00", "teal": "008080", "navy": "000080", "purple": "800080", "orange": "ffa500",
    "pink": "ffc0cb", "brown": "a52a2a", "gold": "ffd700", "beige": "f5f5dc", "ivory": "fffff0",
    "khaki": "f0e68c", "lavender": "e6e6fa", "salmon": "fa8072", "coral": "ff7f50", "tomato": "ff6347",
    "crimson": "dc143c", "indigo": "4b0082", "violet": "ee82ee", "turquoise": "40e0d0", "tan": "d2b48c",
    "chocolate": "d2691e", "darkblue": "00008b", "darkgreen": "006400", "darkred": "8b0000",
    "darkgray": "a9a9a9", "darkgrey": "a9a9a9", "lightgray": "d3d3d3", "lightgrey": "d3d3d3",
    "lightblue": "add8e6", "lightgreen": "90ee90", "skyblue": "87ceeb", "steelblue": "4682b4",
    "royalblue": "4169e1", "slategray": "708090", "whitesmoke": "f5f5f5", "snow": "fffafa",
    "transparent": "00000000",
}

_HEX = re.compile(r"(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


class Color(NamedTuple):
    r: int
    g: int
    b: int
    a: int = 255

    def canonical(self) -> str:
        text = f"rgb:{self.r:02x}{self.g:02x}{self.b:02x}"
        return text if self.a == 255 else f"{text}{self.a:02x}"

    @property
    def rgb(self) -> list[int]:
        return [self.r, self.g, self.b]

    @property
    def rgba(self) -> list[int]:
        return [self.r, self.g, self.b, self.a]


WHITE = Color(255, 255, 255)
BLACK = Color(0, 0, 0)


def _from_hex(digits: str) -> Color:
    if len(digits) in (3, 4):
        digits = "".join(ch * 2 for ch in digits)
    channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
    return Color(*channels)


def parse_color(raw: str) -> Color:
    """``blue``, ``rgb:00f``, ``rgb:0000ff80``, or ``#0000ff`` (as URL-encoded by some SDKs)."""
    text = raw
    lowered = text.lower()
    if lowered.startswith("rgb:"):
        digits = text[4:]
    elif text.startswith("#"):
        digits = text[1:]
    elif lowered in NAMED:
        return _from_hex(NAMED[lowered])
    else:
        raise ValueError("a colour name (blue) or rgb:RRGGBB[AA]")
    if not _HEX.fullmatch(digits):
        raise ValueError("a colour name (blue) or rgb:RRGGBB[AA]")
    return _from_hex(digits)


class AutoMode(StrEnum):
    BORDER = "border"
    PREDOMINANT = "predominant"
    BORDER_CONTRAST = "border_contrast"
    PREDOMINANT_CONTRAST = "predominant_contrast"


@dataclass(frozen=True)
class AutoBackground:
    mode: AutoMode = AutoMode.BORDER

    def canonical(self) -> str:
        return f"auto:{self.mode.value}"


Background = Color | AutoBackground


def parse_background(raw: str) -> Background:
    """A colour (``blue``, ``rgb:RRGGBB[AA]``) or ``auto[:<mode>]``."""
    if raw == "auto":
        return AutoBackground()
    if raw.startswith("auto:"):
        try:
            return AutoBackground(AutoMode(raw[5:]))
        except ValueError:
            raise ValueError(
                "auto[:border|predominant|border_contrast|predominant_contrast] or a colour name (blue) "
                "or rgb:RRGGBB[AA]"
            ) from None
    try:
        return parse_color(raw)
    except ValueError:
        raise ValueError("a colour name (blue), rgb:RRGGBB[AA] or auto[:<mode>]") from None
