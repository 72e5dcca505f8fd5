"""What an overlay (``l_``) draws: another stored image, or a line of text.

``l_<image id>`` names an original in the same storage. ``l_text:<font>_<size>[_<style>...]:<text>``
sets text in one of the fonts the project knows (``FONTS``; Cloudinary's usual family names are
aliases of the free DejaVu families, so migrated URLs keep working). The text arrives still
percent-encoded, as it stands in the URL: it is decoded twice, because Cloudinary asks for ',', '/'
and '%' to be double-escaped (``%252C``) while single escapes (``%2C``) are common in the wild; both
read the same here. Nothing in this module imports pyvips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from imgorigin.transform.numbers import int_between

_IMAGE_ID = re.compile(r"[A-Za-z0-9]{1,64}")
MAX_TEXT = 500
MAX_FONT_SIZE = 1000
# DejaVu Sans (regular, bold) ships with the package so text works in any container; the other faces
# come from the OS (Debian: fonts-dejavu-core, fonts-dejavu-extra).
FONT_DIRS = (Path(__file__).resolve().parent.parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))


@dataclass(frozen=True)
class Font:
    family: str  # the family name Pango knows the files by
    files: tuple[tuple[tuple[bool, bool], str], ...]  # (bold, italic) -> file in FONT_DIR

    def file_for(self, bold: bool, italic: bool) -> Path | None:
        name = dict(self.files)[(bold, italic)]
        return next((folder / name for folder in FONT_DIRS if (folder / name).is_file()), None)


def _dejavu(family: str, stem: str, italic: str) -> Font:
    return Font(family, (
        ((False, False), f"{stem}.ttf"),
        ((True, False), f"{stem}-Bold.ttf"),
        ((False, True), f"{stem}-{italic}.ttf"),
        ((True, True), f"{stem}-Bold{italic}.ttf"),
    ))


FONTS: dict[str, Font] = {
    "dejavusans": _dejavu("DejaVu Sans", "DejaVuSans", "Oblique"),
    "dejavuserif": _dejavu("DejaVu Serif", "DejaVuSerif", "Italic"),
    "dejavusansmono": _dejavu("DejaVu Sans Mono", "DejaVuSansMono", "Oblique"),
}
FONT_ALIASES = {
    **dict.fromkeys(
        ("arial", "helvetica", "verdana", "roboto", "opensans", "sans", "sansserif"), "dejavusans"
    ),
    **dict.fromkeys(("times", "timesnewroman", "georgia", "serif"), "dejavuserif"),
    **dict.fromkeys(("courier", "couriernew", "monospace", "mono"), "dejavusansmono"),
}
STYLES = ("bold", "italic", "normal")
ALIGNS = ("left", "center", "right")
MAX_SPACING = 500


def font_key(family: str) -> str:
    """``Times New Roman``, ``times_new_roman`` and ``TimesNewRoman`` are one font."""
    return re.sub(r"[\s_-]+", "", family).lower()


@dataclass(frozen=True)
class ImageLayer:
    image_id: str

    def canonical(self) -> str:
        return self.image_id


@dataclass(frozen=True)
class TextLayer:
    font: str  # a key of FONTS or FONT_ALIASES, as written (normalised by font_key)
    size: int
    text: str  # decoded
    bold: bool = False
    italic: bool = False
    align: str | None = None  # left, center, right (of the lines, when there are several)
    letter_spacing: int | None = None  # extra pixels between letters
    line_spacing: int | None = None  # extra pixels between lines

    @property
    def face(self) -> Font:
        return FONTS[FONT_ALIASES.get(self.font, self.font)]

    def canonical(self) -> str:
        styles = [name for name, on in (("bold", self.bold), ("italic", self.italic)) if on]
        if self.align is not None:
            styles.append(self.align)
        for name, value in (("letter_spacing", self.letter_spacing), ("line_spacing", self.line_spacing)):
            if value is not None:
                styles.append(f"{name}_{value}")
        return f"text:{self.font}_{self.size}{''.join('_' + style for style in styles)}:{escape_text(self.text)}"


LayerSource = ImageLayer | TextLayer


def escape_text(text: str) -> str:
    """The inverse of the double decoding: '%', '/' and '\\' are escaped twice, everything else once.

    A single ``%2F`` would be decoded into a path separator by proxies in front (Cloudinary asks for
    ``%252F`` for the same reason), and the delivery plane refuses the forms they would rewrite.
    """
    return quote(text.replace("%", "%25").replace("/", "%2F").replace("\\", "%5C"), safe="")


def _decode(raw: str) -> str:
    return unquote(unquote(raw, errors="strict"), errors="strict")


def parse_layer(raw: str) -> LayerSource:
    if not raw.startswith("text:"):
        if not _IMAGE_ID.fullmatch(raw):
            raise ValueError("an image id (letters and digits) or text:<font>_<size>:<text>")
        return ImageLayer(raw)
    _, _, rest = raw.partition(":")
    style, sep, encoded = rest.partition(":")
    if not sep or not encoded:
        raise ValueError("text:<font>_<size>[_bold][_italic]:<text>, e.g. text:arial_40:Hello")
    try:
        text = _decode(encoded)
        family, _, options = _decode(style).partition("_")
    except UnicodeDecodeError:
        raise ValueError("text in UTF-8, percent-encoded") from None
    if not text.strip() or len(text) > MAX_TEXT or any(ord(c) < 32 and c != "\n" for c in text):
        raise ValueError(f"a text of 1 to {MAX_TEXT} printable characters")
    key = font_key(family)
    if key not in FONTS and key not in FONT_ALIASES:
        known = ", ".join(sorted({*FONTS, *FONT_ALIASES}))
        raise ValueError(f"a known font ({known})")
    size_raw, _, style_raw = options.partition("_")
    size = int_between(1, MAX_FONT_SIZE)(size_raw) if size_raw.isdigit() else None
    if size is None:
        raise ValueError(f"a font size between 1 and {MAX_FONT_SIZE} after the font (text:arial_40:Hello)")
    return TextLayer(key, size, text, **_styles(style_raw.split("_") if style_raw else []))


def _styles(tokens: list[str]) -> dict[str, Any]:
    """``bold``, ``italic``, ``normal``, ``left|center|right``, ``letter_spacing_<n>``, ``line_spacing_<n>``."""
    expected = (f"font styles among {', '.join(STYLES)}, {'/'.join(ALIGNS)}, letter_spacing_<n> and "
                f"line_spacing_<n> ({-MAX_SPACING} to {MAX_SPACING}), each once")
    found: dict[str, Any] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("letter", "line") and tokens[index + 1:index + 2] == ["spacing"]:
            name, raw = f"{token}_spacing", "_".join(tokens[index + 2:index + 3])
            if name in found or not re.fullmatch(r"-?[0-9]{1,4}", raw) or abs(int(raw)) > MAX_SPACING:
                raise ValueError(expected)
            found[name] = int(raw)
            index += 3
            continue
        name = "align" if token in ALIGNS else token
        if (token not in STYLES and token not in ALIGNS) or name in found:
            raise ValueError(expected)
        found[name] = token if name == "align" else True
        index += 1
    found.pop("normal", None)
    return found
