"""The JSON transform body of ``POST /images/{id}/transform``, translated into the URL grammar.

    {"transformations": {"resize": {"width": 300, "height": 200, "mode": "fill"},
                         "crop": {"width": 100, "height": 100, "x": 10, "y": 10},
                         "rotate": 90, "flip": true, "mirror": true,
                         "filters": {"grayscale": true, "sepia": true},
                         "format": "webp", "quality": 80}}

Components come out in a fixed order: crop, resize, rotate, flip/mirror, each filter, the watermark
(see ``api/watermark.py``), then the output parameters. Ranges, modes and formats are the
declarations' own (``transform/params.py``, ``transform/values.py``, ``transform/effects/``): each
value is checked by the parser the URL uses, so the body, the URL and the OpenAPI document
(``api/openapi_schemas.py``) cannot disagree.
"""

from __future__ import annotations

from typing import Any

from imgorigin.api.body_fields import BodyError, boolean, checked_int, fail, fields
from imgorigin.api.watermark import watermark
from imgorigin.transform.colors import parse_color
from imgorigin.transform.effects.registry import EFFECTS, Effect
from imgorigin.transform.limits import GRAMMAR_MAX_SIDE
from imgorigin.transform.numbers import IntBetween, format_number
from imgorigin.transform.output import QUALITY_RANGE, FormatChoice, parse_format_choice
from imgorigin.transform.values import DEGREES, FORMAT_ALIASES, CropMode, Gravity, OutputFormat

SIDE = IntBetween(1, GRAMMAR_MAX_SIDE)
CROP_OFFSET = IntBetween(0, GRAMMAR_MAX_SIDE)
RESIZE_MODES = sorted(m.value for m in CropMode if m is not CropMode.CROP)
FORMAT_NAMES = ["auto", *(f.value for f in OutputFormat), *FORMAT_ALIASES]  # what f_ accepts
GRAVITIES = [g.value for g in Gravity]
COLORIZE_LEVEL = "level"

# Which effects the body offers, by their name in the body. A filter is true/false, or for an effect
# with a level (``Effect.level``) a number within it; colorize also takes a colour.
FILTERS: dict[str, str] = {
    "grayscale": "grayscale", "sepia": "sepia", "blur": "blur", "sharpen": "sharpen",
    "unsharp_mask": "unsharp_mask", "pixelate": "pixelate", "brightness": "brightness",
    "contrast": "contrast", "saturation": "saturation", "gamma": "gamma", "negate": "negate",
    "blackwhite": "blackwhite", "vignette": "vignette", "trim": "trim", "colorize": "colorize",
    "remove_background": "background_removal",
}


def _resize(value: object) -> str:
    body = fields(value, "resize", {"width", "height", "mode", "gravity"})
    parts = []
    if "width" not in body and "height" not in body:
        raise fail("resize", "width and/or height")
    if "mode" in body:
        mode = body["mode"]
        if not isinstance(mode, str) or mode not in RESIZE_MODES:  # a list or object is unhashable
            raise fail("resize.mode", "one of " + ", ".join(RESIZE_MODES))
        parts.append(f"c_{mode}")
    if "gravity" in body:
        gravity = body["gravity"]
        if not isinstance(gravity, str) or gravity not in GRAVITIES:
            raise fail("resize.gravity", "one of " + ", ".join(GRAVITIES))
        parts.append(f"g_{gravity}")
    for name, key in (("width", "w"), ("height", "h")):
        if name in body:
            parts.append(f"{key}_{checked_int(body[name], f'resize.{name}', SIDE)}")
    return ",".join(parts)


def _crop(value: object) -> str:
    body = fields(value, "crop", {"width", "height", "x", "y"})
    for required in ("width", "height"):
        if required not in body:
            raise fail(f"crop.{required}", "an integer (it is required)")
    parts = ["c_crop", f"w_{checked_int(body['width'], 'crop.width', SIDE)}",
             f"h_{checked_int(body['height'], 'crop.height', SIDE)}"]
    for name in ("x", "y"):
        if name in body:
            parts.append(f"{name}_{checked_int(body[name], f'crop.{name}', CROP_OFFSET)}")
    return ",".join(parts)


def _rotate(value: object) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    try:
        return f"a_{format_number(DEGREES(str(value) if number else ''))}"
    except ValueError as exc:
        raise fail("rotate", f"{exc} (degrees)") from None


def _colorize(value: object, field: str) -> str:
    """A colour ("red", "rgb:ff0000") for a full wash, or {"color": ..., "level": <the effect's range>}."""
    body = fields(value, field, {"color", COLORIZE_LEVEL}) if isinstance(value, dict) else {"color": value}
    colour = body.get("color", "gray")
    try:
        parsed = parse_color(colour) if isinstance(colour, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise fail(f"{field}.color" if isinstance(value, dict) else field, "a colour name or rgb:RRGGBB")
    levels = EFFECTS["colorize"].level
    assert levels is not None  # e_colorize is declared with a Level
    level = checked_int(body[COLORIZE_LEVEL], f"{field}.level", levels) if COLORIZE_LEVEL in body else levels.default
    return f"co_{parsed.canonical()},e_colorize:{level}"


def _filter(unit: Effect, value: object, field: str) -> str | None:
    """true for the effect at its default, false for none, or a number within its level."""
    if isinstance(value, bool) or unit.level is None:
        return f"e_{unit.name}" if boolean(value, field) else None
    return f"e_{unit.name}:{checked_int(value, field, unit.level)}"


def _filters(value: object) -> list[str]:
    body = fields(value, "filters", set(FILTERS))
    components = []
    for name, raw in body.items():
        field = f"filters.{name}"
        component = _colorize(raw, field) if name == "colorize" else _filter(EFFECTS[FILTERS[name]], raw, field)
        if component:
            components.append(component)
    return components


def _format(value: object) -> FormatChoice:
    try:
        return parse_format_choice(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise fail("format", str(exc)) from None


def _quality(body: dict[str, Any]) -> str | None:
    if "quality" in body and "compress" in body:
        raise BodyError("transformations: give quality or compress, not both")
    if "quality" in body:
        return f"q_{checked_int(body['quality'], 'quality', QUALITY_RANGE)}"
    if "compress" in body:
        return "q_auto:eco" if boolean(body["compress"], "compress") else None
    return None


ALLOWED = {"resize", "crop", "rotate", "flip", "mirror", "filters", "watermark", "format", "quality", "compress"}


def to_transformation(body: dict[str, Any]) -> str:
    """The transformation string of a request body; a ``format`` becomes its ``f_`` parameter."""
    if set(body) - {"transformations"}:
        extra = sorted(set(body) - {"transformations"})[0]
        raise BodyError(f"{extra}: unknown field (the body is {{\"transformations\": {{...}}}})")
    spec = body.get("transformations")
    if not isinstance(spec, dict):
        raise BodyError("transformations: expected an object")
    unknown = sorted(set(spec) - ALLOWED)
    if unknown:
        raise BodyError(f"transformations.{unknown[0]}: unknown field (allowed: {', '.join(sorted(ALLOWED))})")
    components = []
    if "crop" in spec:
        components.append(_crop(spec["crop"]))
    if "resize" in spec:
        components.append(_resize(spec["resize"]))
    if "rotate" in spec:
        components.append(_rotate(spec["rotate"]))
    flips = [name for field, name in (("flip", "vflip"), ("mirror", "hflip"))
             if field in spec and boolean(spec[field], field)]
    if flips:
        components.append("a_" + ".".join(flips))
    if "filters" in spec:
        components.extend(_filters(spec["filters"]))
    if "watermark" in spec:
        components.append(watermark(spec["watermark"]))
    output = [f"f_{_format(spec['format']).canonical()}"] if "format" in spec else []
    quality = _quality(spec)
    if quality:
        output.append(quality)
    if output:
        components.append(",".join(output))
    return "/".join(components)
