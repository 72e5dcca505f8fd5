"""URL parameters: each one a small declaration (key, name, parser, canonical form, documentation).

``PARAMS`` maps a Cloudinary key (``w``, ``c``, ``e``) to its declaration; declaring the same key
twice fails at import. The short letters live only here: the rest of the engine asks a component for
``WIDTH`` or ``GRAVITY``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import effects  # noqa: F401  (imports every unit into the registry)
from imgorigin.transform import values as v
from imgorigin.transform.colors import Background, Color, parse_background, parse_color
from imgorigin.transform.effects.registry import EffectCall, parse_effect
from imgorigin.transform.flags import Flags, parse_flags
from imgorigin.transform.layers import LayerSource, parse_layer
from imgorigin.transform.limits import GRAMMAR_MAX_SIDE, MAX_DPR
from imgorigin.transform.numbers import (
    IntBetween,
    NumberBetween,
    enum_parser,
    format_decimal,
    format_number,
    int_between,
    number_between,
)
from imgorigin.transform.output import (
    FormatChoice,
    PageRange,
    Quality,
    parse_format_choice,
    parse_page_range,
    parse_quality,
)
from imgorigin.transform.responsive import AutoDpr, AutoWidth, with_auto, with_auto_dpr
from imgorigin.transform.shape import Border, Radius, parse_border, parse_radius

T = TypeVar("T")


@dataclass(frozen=True)
class Param(Generic[T]):
    key: str
    name: str
    parse_value: Callable[[str], T]
    doc: str
    example: str
    format_value: Callable[[T], str] = field(default=str)
    # Output parameters (format, quality, flags) apply once, at encode time, whichever component holds them.
    output: bool = False

    def parse(self, raw: str) -> T:
        try:
            return self.parse_value(raw)
        except ValueError as exc:
            raise InvalidTransformation(f"Invalid {self.key}_{raw}: expected {exc} for {self.name}") from None

    def canonical(self, value: Any) -> str:
        return f"{self.key}_{self.format_value(value)}"

    @property
    def range(self) -> IntBetween | NumberBetween | None:
        """The bounds of a plain numeric parameter (``o_``, ``z_``, ``dpr_``), for schemas and docs."""
        parse = self.parse_value
        return parse if isinstance(parse, IntBetween | NumberBetween) else None


PARAMS: dict[str, Param[Any]] = {}


def register(param: Param[T]) -> Param[T]:
    if param.key in PARAMS:
        raise RuntimeError(f"parameter {param.key}_ is declared twice")
    PARAMS[param.key] = param
    return param


def _canonical(value: Any) -> str:
    return str(value.canonical())


WIDTH: Param[v.Length | AutoWidth] = register(Param(
    "w", "width", with_auto(v.length_parser(GRAMMAR_MAX_SIDE), GRAMMAR_MAX_SIDE),
    "Width in pixels, or with a decimal point a fraction of the current width. auto[:<step>[:<fallback>]] "
    "takes the width the browser's client hints give (Sec-CH-Width, else Sec-CH-Viewport-Width times the "
    "DPR hint) rounded up to a multiple of step (100 when omitted); without hints, fallback, else the "
    "original's width. Never more than the original's width.", "w_300", _canonical,
))
HEIGHT: Param[v.Length] = register(Param(
    "h", "height", v.length_parser(GRAMMAR_MAX_SIDE),
    "Height in pixels, or with a decimal point a fraction of the current height.", "h_0.5", _canonical,
))
CROP: Param[v.CropMode] = register(Param(
    "c", "crop mode", enum_parser(v.CropMode, "a crop mode"),  # type: ignore[arg-type]
    "How w_ and h_ are met: scale (default), fit, limit, mfit, fill, lfill, pad, lpad, crop, thumb, auto "
    "(fill, cropping where libvips finds the image least interesting) or fill_pad (fill when that crops at "
    "most a fifth of the image, pad otherwise).",
    "c_fill", lambda m: m.value,
))
GRAVITY: Param[v.Gravity] = register(Param(
    "g", "gravity", enum_parser(v.Gravity, "a gravity"),  # type: ignore[arg-type]
    "Which part is kept by fill/crop or where pad places the image: a compass point, auto (smart crop), "
    "face (the largest face), faces (all of them) or auto:faces (the faces, else the smart crop).",
    "g_north_east", lambda g: g.value,
))
ZOOM: Param[float] = register(Param(
    "z", "zoom", number_between(0.1, 10),
    "With c_thumb or c_crop and a face gravity: above 1 crops closer to the face, below 1 shows more "
    "around it (z_0.75).", "z_0.75", format_decimal,
))
X: Param[v.Length] = register(Param(
    "x", "x offset", v.offset_parser(GRAMMAR_MAX_SIDE),
    "Horizontal offset of a c_crop region from its gravity (pixels or a fraction).", "x_100", _canonical,
))
Y: Param[v.Length] = register(Param(
    "y", "y offset", v.offset_parser(GRAMMAR_MAX_SIDE),
    "Vertical offset of a c_crop region from its gravity (pixels or a fraction).", "y_50", _canonical,
))
ASPECT_RATIO: Param[float] = register(Param(
    "ar", "aspect ratio", v.parse_aspect_ratio,
    "Aspect ratio used when only one of w_/h_ (or neither) is given: 16:9 or 1.5.", "ar_16:9",
    format_number,
))
DPR: Param[float | AutoDpr] = register(Param(
    "dpr", "device pixel ratio", with_auto_dpr(number_between(0.1, MAX_DPR)),
    "Multiplies w_ and h_: dpr_2.0 with w_300 gives 600 pixels. dpr_auto takes the browser's DPR client "
    "hint rounded up to a whole number (1.0 without one); next to w_auto, whose hint already counts "
    "device pixels, it scales only the fallback width.", "dpr_2.0",
    lambda dpr: dpr.canonical() if isinstance(dpr, AutoDpr) else format_decimal(dpr),
))
ANGLE: Param[v.Angle] = register(Param(
    "a", "angle", v.parse_angle,
    "Rotate clockwise by any angle, hflip/vflip to mirror, ignore to skip EXIF orientation.", "a_90",
    _canonical,
))
BACKGROUND: Param[Background] = register(Param(
    "b", "background", parse_background,
    "Background colour for padding, rotation corners and flattening alpha: a name or rgb:RRGGBB[AA], "
    "or auto[:border|predominant|border_contrast|predominant_contrast], the colour that covers most of "
    "the image's edges (the default) or of the whole image, or black or white, whichever contrasts with it.",
    "b_blue", _canonical,
))
QUALITY: Param[Quality] = register(Param(
    "q", "quality", parse_quality,
    "Encoder quality 1-100, or auto[:best|good|eco|low] to meet a perceptual target.", "q_80",
    _canonical, output=True,
))
FORMAT: Param[FormatChoice] = register(Param(
    "f", "format", parse_format_choice,
    "Output format, overriding the extension; auto picks AVIF/WebP/JPEG/PNG from the Accept header.",
    "f_webp", _canonical, output=True,
))


EFFECT: Param[EffectCall] = register(Param(
    "e", "effect", parse_effect,
    "An effect by name with an optional value after ':' (e_grayscale, e_sepia:50).", "e_grayscale",
    _canonical,
))

FLAGS: Param[Flags] = register(Param(
    "fl", "flags", parse_flags,
    "Flags joined by '.': layer_apply and relative for overlays, and output flags.",
    "fl_layer_apply", _canonical,
))
OPACITY: Param[int] = register(Param(
    "o", "opacity", int_between(0, 100),
    "Opacity in percent, 0 (invisible) to 100; with fl_layer_apply, the opacity of the overlay.", "o_50",
))
COLOR: Param[Color] = register(Param(
    "co", "color", parse_color,
    "Colour of a text overlay (in its l_ component) and of colour effects: a name or rgb:RRGGBB[AA].",
    "co_white", _canonical,
))
LAYER: Param[LayerSource] = register(Param(
    "l", "overlay", parse_layer,
    "Starts an overlay: another image by id, or text:<font>_<size>[_bold][_italic]:<text>. The "
    "components up to fl_layer_apply transform the layer; that component places it with g_, x_, y_, o_.",
    "l_text:arial_40_bold:Hello", _canonical,
))
UNDERLAY: Param[LayerSource] = register(Param(
    "u", "underlay", parse_layer,
    "Like l_, but drawn underneath: it shows through the transparent parts of the image.",
    "u_logo", _canonical,
))
PAGE: Param[PageRange] = register(Param(
    "pg", "page", parse_page_range,
    "Picks frames of an animation: pg_2 is the second frame alone (a still image), pg_2-5 frames 2 to 5 "
    "and pg_3- frame 3 to the last (still animated in GIF and WebP).",
    "pg_2", _canonical, output=True,
))
RADIUS: Param[Radius] = register(Param(
    "r", "corner radius", parse_radius,
    "Rounds corners: r_20, r_20:40 (top-left/bottom-right : top-right/bottom-left), r_20:40:60, "
    "r_20:40:60:80 (clockwise from top left), or r_max for a circle or ellipse. Corners are transparent "
    "where the format keeps alpha, the b_ colour (white by default) otherwise.",
    "r_20", _canonical,
))
BORDER: Param[Border] = register(Param(
    "bo", "border", parse_border,
    "A solid border around the image (it grows by twice the width), rounded along r_: "
    "bo_<width>px_solid_<colour>.",
    "bo_4px_solid_black", _canonical,
))
