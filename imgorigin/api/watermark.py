"""The JSON transform body's ``watermark``, translated into an overlay (``l_`` ... ``fl_layer_apply``).

    {"watermark": {"image": "<image id>", "gravity": "south_east", "x": 10, "y": 10,
                   "opacity": 60, "width": 0.2}}
    {"watermark": {"text": "© Alice", "font": "arial", "size": 32, "bold": true, "color": "white",
                   "gravity": "south_west", "opacity": 80}}

``width`` is pixels (an integer) or a fraction of the image being watermarked (a decimal, which
becomes ``w_<fraction>,fl_relative``). Gravity defaults to ``south_east``, where watermarks live.
``"tiled": true`` repeats the watermark over the whole image (``fl_tiled``); ``"blend"`` is ``normal``
(default), ``multiply``, ``screen``, ``overlay`` or ``mask`` (``e_<mode>`` with ``fl_layer_apply``).
"""

from __future__ import annotations

from typing import Any

from imgorigin.api.body_fields import BodyError, boolean, checked_int, fail
from imgorigin.transform.colors import parse_color
from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.layers import FONT_ALIASES, FONTS, MAX_FONT_SIZE, MAX_TEXT, escape_text, font_key
from imgorigin.transform.limits import GRAMMAR_MAX_SIDE
from imgorigin.transform.numbers import IntBetween, format_decimal
from imgorigin.transform.params import OPACITY, Param
from imgorigin.transform.values import Gravity

PLACEMENT = {"gravity", "x", "y", "opacity", "width", "tiled", "blend"}
IMAGE_FIELDS = {"image"} | PLACEMENT
TEXT_FIELDS = {"text", "font", "size", "bold", "italic", "color"} | PLACEMENT
# Ranges and choices are the URL declarations' (the schema in api/openapi.py reads them from here).
FONT_SIZE = IntBetween(1, MAX_FONT_SIZE)
OFFSET = IntBetween(-GRAMMAR_MAX_SIDE, GRAMMAR_MAX_SIDE)
WIDTH = IntBetween(1, GRAMMAR_MAX_SIDE)


def _integers(param: Param[int]) -> IntBetween:
    if not isinstance(param.range, IntBetween):
        raise TypeError(f"{param.key}_ is not declared as an integer range")
    return param.range


OPACITY_RANGE = _integers(OPACITY)
GRAVITIES = [g.value for g in Gravity if g is not Gravity.AUTO]  # no smart crop to place a watermark by
BLENDS = ["normal", *BLEND_MODES]
FONT_NAMES = sorted({*FONTS, *FONT_ALIASES})


def _fail(field: str, expected: str) -> BodyError:
    return fail(f"watermark.{field}", expected)


def _int(body: dict[str, Any], field: str, parse: IntBetween) -> int:
    return checked_int(body[field], f"watermark.{field}", parse)


def _bool(body: dict[str, Any], field: str) -> bool:
    return boolean(body.get(field, False), f"watermark.{field}")


def _layer(body: dict[str, Any]) -> str:
    if "image" in body:
        image = body["image"]
        if not isinstance(image, str) or not (image.isascii() and image.isalnum()) or len(image) > 64:
            raise _fail("image", "an image id")
        return f"l_{image}"
    text = body["text"]
    if (not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT
            or any(ord(c) < 32 and c != "\n" for c in text)):  # as the URL parser: control characters refused
        raise _fail("text", f"a string of 1 to {MAX_TEXT} printable characters")
    font = body.get("font", "arial")
    if not isinstance(font, str) or (font_key(font) not in FONTS and font_key(font) not in FONT_ALIASES):
        raise _fail("font", "one of " + ", ".join(FONT_NAMES))
    size = _int(body, "size", FONT_SIZE) if "size" in body else 32
    styles = "".join(f"_{style}" for style in ("bold", "italic") if _bool(body, style))
    layer = f"l_text:{font_key(font)}_{size}{styles}:{escape_text(text)}"
    if "color" in body:
        colour = body["color"]
        try:
            parse_color(colour if isinstance(colour, str) else "")
        except ValueError:
            raise _fail("color", "a colour name or rgb:RRGGBB[AA]") from None
        layer += f",co_{colour}"
    return layer


def _width(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and WIDTH.low <= value <= WIDTH.high:
        return f"w_{value}"
    if isinstance(value, float) and 0 < value <= 1:
        return f"w_{format_decimal(value)},fl_relative"
    raise _fail("width", f"pixels (an integer between {WIDTH.low} and {WIDTH.high}) or a fraction of the image "
                         "(0 to 1.0)")


def watermark(value: object) -> str:
    """The overlay components a ``watermark`` object asks for."""
    if not isinstance(value, dict):
        raise BodyError("transformations.watermark: expected an object")
    if ("image" in value) == ("text" in value):
        raise BodyError("transformations.watermark: give either image (an image id) or text")
    allowed = IMAGE_FIELDS if "image" in value else TEXT_FIELDS
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BodyError(
            f"transformations.watermark.{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})"
        )
    layer = _layer(value)
    if "width" in value:
        layer += "," + _width(value["width"])
    gravity = value.get("gravity", "south_east")
    if not isinstance(gravity, str) or gravity not in GRAVITIES:
        raise _fail("gravity", "a compass point: " + ", ".join(GRAVITIES))
    place = ["fl_layer_apply.tiled" if _bool(value, "tiled") else "fl_layer_apply", f"g_{gravity}"]
    for field in ("x", "y"):
        if field in value:
            place.append(f"{field}_{_int(value, field, OFFSET)}")
    if "opacity" in value:
        place.append(f"o_{checked_int(value['opacity'], 'watermark.opacity', OPACITY_RANGE)}")
    blend = value.get("blend", "normal")
    if not isinstance(blend, str) or blend not in BLENDS:
        raise _fail("blend", "one of " + ", ".join(BLENDS))
    if blend != "normal":
        place.append(f"e_{blend}")
    return f"{layer}/{','.join(place)}"
