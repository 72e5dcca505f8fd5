"""The JSON transform body of ``POST /images/{id}/transform``, translated into the URL grammar.

    {"transformations": {"resize": {"width": 300, "height": 200, "mode": "fill"},
                         "crop": {"width": 100, "height": 100, "x": 10, "y": 10},
                         "rotate": 90, "flip": true, "mirror": true,
                         "filters": {"grayscale": true, "sepia": true},
                         "format": "webp", "quality": 80}}

Components come out in a fixed order: crop, resize, rotate, flip/mirror, each filter, the watermark
(see ``api/watermark.py``), then the output parameters. The result goes through the same parser as a
URL, so both paths validate alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imgorigin.api.watermark import watermark
from imgorigin.errors import BadRequest
from imgorigin.transform.colors import parse_color
from imgorigin.transform.values import CropMode, Gravity

MAX_SIDE = 16383
RESIZE_MODES = {m.value for m in CropMode} - {"crop"}
FORMATS = ("jpg", "jpeg", "png", "webp", "avif", "gif", "tiff", "auto")


class BodyError(BadRequest):
    code = "invalid_transformation_body"


def _fail(field: str, expected: str) -> BodyError:
    return BodyError(f"transformations.{field}: expected {expected}")


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(field, f"an integer between {low} and {high}")
    return value


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(field, "true or false")
    return value


def _object(value: object, field: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(field, "an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BodyError(f"transformations.{field}.{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")
    return value


def _resize(value: object) -> str:
    body = _object(value, "resize", {"width", "height", "mode", "gravity"})
    parts = []
    if "width" not in body and "height" not in body:
        raise _fail("resize", "width and/or height")
    if "mode" in body:
        mode = body["mode"]
        if not isinstance(mode, str) or mode not in RESIZE_MODES:  # a list or object is unhashable
            raise _fail("resize.mode", "one of " + ", ".join(sorted(RESIZE_MODES)))
        parts.append(f"c_{mode}")
    if "gravity" in body:
        gravity = body["gravity"]
        if not isinstance(gravity, str) or gravity not in {g.value for g in Gravity}:
            raise _fail("resize.gravity", "one of " + ", ".join(g.value for g in Gravity))
        parts.append(f"g_{gravity}")
    for name, key in (("width", "w"), ("height", "h")):
        if name in body:
            parts.append(f"{key}_{_int(body[name], f'resize.{name}', 1, MAX_SIDE)}")
    return ",".join(parts)


def _crop(value: object) -> str:
    body = _object(value, "crop", {"width", "height", "x", "y"})
    for required in ("width", "height"):
        if required not in body:
            raise _fail(f"crop.{required}", "an integer (it is required)")
    parts = ["c_crop", f"w_{_int(body['width'], 'crop.width', 1, MAX_SIDE)}",
             f"h_{_int(body['height'], 'crop.height', 1, MAX_SIDE)}"]
    for name in ("x", "y"):
        if name in body:
            parts.append(f"{name}_{_int(body[name], f'crop.{name}', 0, MAX_SIDE)}")
    return ",".join(parts)


def _rotate(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -360 <= value <= 360:
        raise _fail("rotate", "degrees between -360 and 360")
    return f"a_{int(value) if float(value).is_integer() else value}"


def _on_off_effect(name: str) -> Callable[[object, str], str | None]:
    def build(value: object, field: str) -> str | None:
        return f"e_{name}" if _bool(value, field) else None

    return build


def _level_effect(name: str, low: int, high: int) -> Callable[[object, str], str | None]:
    """true for the default strength, false for none, or a number for a level."""

    def build(value: object, field: str) -> str | None:
        if isinstance(value, bool):
            return f"e_{name}" if value else None
        return f"e_{name}:{_int(value, field, low, high)}"

    return build


# Filter name in the JSON body -> how it becomes an e_ component. More arrive with the catalogue.
def _colorize(value: object, field: str) -> str | None:
    """A colour ("red", "rgb:ff0000") for a full wash, or {"color": ..., "level": 0-100}."""
    body = _object(value, field, {"color", "level"}) \
        if isinstance(value, dict) else {"color": value}
    colour = body.get("color", "gray")
    try:
        parsed = parse_color(colour) if isinstance(colour, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _fail(f"{field}.color" if isinstance(value, dict) else field, "a colour name or rgb:RRGGBB")
    level = _int(body["level"], f"{field}.level", 0, 100) if "level" in body else 100
    return f"co_{parsed.canonical()},e_colorize:{level}"


FILTERS: dict[str, Callable[[object, str], str | None]] = {
    "grayscale": _on_off_effect("grayscale"),
    "sepia": _level_effect("sepia", 1, 100),
    "blur": _level_effect("blur", 1, 2000),
    "sharpen": _level_effect("sharpen", 1, 2000),
    "unsharp_mask": _level_effect("unsharp_mask", 1, 2000),
    "pixelate": _level_effect("pixelate", 1, 200),
    "brightness": _level_effect("brightness", -99, 100),
    "contrast": _level_effect("contrast", -100, 100),
    "saturation": _level_effect("saturation", -100, 100),
    "gamma": _level_effect("gamma", -50, 150),
    "negate": _on_off_effect("negate"),
    "blackwhite": _level_effect("blackwhite", 0, 100),
    "vignette": _level_effect("vignette", 0, 100),
    "trim": _level_effect("trim", 0, 100),
    "colorize": _colorize,
    "remove_background": _on_off_effect("background_removal"),
}


def _filters(value: object) -> list[str]:
    body = _object(value, "filters", set(FILTERS))
    components = []
    for name, raw in body.items():
        component = FILTERS[name](raw, f"filters.{name}")
        if component:
            components.append(component)
    return components


def _format(value: object) -> str:
    if value not in FORMATS:
        raise _fail("format", "one of " + ", ".join(FORMATS))
    return "jpg" if value == "jpeg" else str(value)


def _quality(body: dict[str, Any]) -> str | None:
    if "quality" in body and "compress" in body:
        raise BodyError("transformations: give quality or compress, not both")
    if "quality" in body:
        return f"q_{_int(body['quality'], 'quality', 1, 100)}"
    if "compress" in body:
        return "q_auto:eco" if _bool(body["compress"], "compress") else None
    return None


ALLOWED = {"resize", "crop", "rotate", "flip", "mirror", "filters", "watermark", "format", "quality", "compress"}


def to_transformation(body: dict[str, Any]) -> tuple[str, str | None]:
    """(transformation string, requested format or None) for a request body."""
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
             if field in spec and _bool(spec[field], field)]
    if flips:
        components.append("a_" + ".".join(flips))
    if "filters" in spec:
        components.extend(_filters(spec["filters"]))
    if "watermark" in spec:
        components.append(watermark(spec["watermark"]))
    output = []
    fmt = _format(spec["format"]) if "format" in spec else None
    if fmt is not None:
        output.append(f"f_{fmt}")
    quality = _quality(spec)
    if quality:
        output.append(quality)
    if output:
        components.append(",".join(output))
    return "/".join(components), fmt
