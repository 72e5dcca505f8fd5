"""Schemas of the OpenAPI document (``api/openapi.py``) and the helpers that write them.

The transform body's schema is generated from the declarations the body itself reads
(``api/transform_body.py``, ``api/watermark.py``, the URL parameters and effects): its ranges, enums
and formats cannot drift from what the server accepts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from imgorigin.api import transform_body as body
from imgorigin.api import watermark as wm
from imgorigin.transform.effects.registry import EFFECTS, Level
from imgorigin.transform.layers import MAX_TEXT
from imgorigin.transform.numbers import IntBetween, NumberBetween
from imgorigin.transform.output import QUALITY_RANGE
from imgorigin.transform.values import DEGREES, FORMAT_ALIASES, OutputFormat

JSON = "application/json"
IMAGE_BYTES = {fmt.media_type: {"schema": {"type": "string", "format": "binary"}} for fmt in OutputFormat}
OUTPUT_FORMATS = [fmt.value for fmt in OutputFormat]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/E{status}"} for status in statuses}


def string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def integer(**extra: Any) -> dict[str, Any]:
    return {"type": "integer", **extra}


def boolean(description: str | None = None) -> dict[str, Any]:
    return {"type": "boolean", **({"description": description} if description else {})}


def obj(properties: dict[str, Any], required: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def closed(properties: dict[str, Any], required: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    """An object that refuses fields it does not list, as the body's reader does."""
    return obj(properties, required, additionalProperties=False, **extra)


def between(parse: IntBetween | NumberBetween | Level, **extra: Any) -> dict[str, Any]:
    kind = "integer" if isinstance(parse, IntBetween | Level) else "number"
    return {"type": kind, "minimum": parse.low, "maximum": parse.high, **extra}


def _filter(name: str) -> dict[str, Any]:
    unit = EFFECTS[body.FILTERS[name]]
    if name == "colorize":
        assert unit.level is not None
        return {"oneOf": [string(description="a colour name or rgb:RRGGBB"),
                          closed({"color": string(), body.COLORIZE_LEVEL: between(unit.level)})],
                "description": f"e_colorize, level {unit.level.default} by default"}
    if unit.level is None:
        return boolean(f"e_{unit.name}")
    return {"oneOf": [boolean(), between(unit.level)],
            "description": f"e_{unit.name}: true for its default ({unit.level.default}), or a level"}


def transform_request() -> dict[str, Any]:
    side, offset = between(body.SIDE), between(body.CROP_OFFSET)
    watermark = obj(
        {"image": string(description="id of one of your images"), "text": string(minLength=1, maxLength=MAX_TEXT),
         "font": string(enum=wm.FONT_NAMES), "size": between(wm.FONT_SIZE), "bold": boolean(),
         "italic": boolean(), "color": string(), "gravity": string(enum=wm.GRAVITIES),
         "x": between(wm.OFFSET), "y": between(wm.OFFSET), "opacity": between(wm.OPACITY_RANGE),
         "width": {"oneOf": [between(wm.WIDTH), {"type": "number", "exclusiveMinimum": 0, "maximum": 1}],
                   "description": "pixels, or a fraction (0-1) of the image"},
         "tiled": boolean("repeat it over the whole image"), "blend": string(enum=wm.BLENDS)},
        additionalProperties=False, description="an overlay (l_...); give image or text, see docs/layers.md",
    )
    return closed(
        {"transformations": closed({
            "resize": closed({"width": side, "height": side, "mode": string(enum=body.RESIZE_MODES),
                              "gravity": string(enum=body.GRAVITIES)}),
            "crop": closed({"width": side, "height": side, "x": offset, "y": offset}, ["width", "height"]),
            "rotate": between(DEGREES),
            "flip": boolean(), "mirror": boolean(),
            "filters": closed({name: _filter(name) for name in body.FILTERS}),
            "watermark": watermark,
            "format": string(enum=body.FORMAT_NAMES),
            "quality": between(QUALITY_RANGE),
            "compress": boolean("q_auto:eco"),
        })},
        ["transformations"],
        description="Translated into the URL grammar; see docs/api.md",
    )


SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {"error": obj({"code": string(), "message": string()}, ["code", "message"])}, ["error"]
    ),
    "Credentials": obj({"username": string(), "password": string()}, ["username", "password"]),
    "Registration": obj(
        {"username": string(), "password": string(),
         "invite": string(description="an invitation code (IMGORIGIN_REGISTRATION=invite)")},
        ["username", "password"],
    ),
    "User": obj(
        {"id": integer(), "username": string(), "created_at": string()}, ["id", "username", "created_at"]
    ),
    "Session": obj(
        {"user": ref("User"), "token": string(), "token_type": string(enum=["Bearer"]),
         "expires_in": integer()},
        ["user", "token", "token_type", "expires_in"],
    ),
    "Image": obj(
        {
            "id": string(), "public_id": string(description="the account's name for it (Cloudinary's layouts)"),
            "version": integer(description="Unix time of the upload; an overwrite raises it"),
            "filename": string(), "format": string(), "width": integer(),
            "height": integer(), "pages": integer(), "bytes": integer(), "sha256": string(),
            "created_at": string(), "url": string(description="signed delivery URL of the original"),
            "formats": {"type": "object", "additionalProperties": string()},
            "download": string(),
            "colors": {"type": ["array", "null"], "description": "dominant colours, largest share first",
                       "items": obj({"color": string(pattern="^#[0-9a-f]{6}$"),
                                         "share": {"type": "number", "minimum": 0, "maximum": 1}},
                                        ["color", "share"])},
            "blurhash": {"type": ["string", "null"], "description": "BlurHash placeholder (blurha.sh)"},
            "placeholder": {"type": ["string", "null"], "description": "data: URI of a 16 px WebP"},
            "eager": {"type": "array", "items": obj(
                {"transformation": string(), "format": string(),
                 "state": string(enum=["pending", "done", "failed"]), "error": {"type": ["string", "null"]},
                 "url": string(description="signed delivery URL of the derivative"), "updated_at": string()},
                ["transformation", "format", "state", "error", "url", "updated_at"],
            )},
        },
        ["id", "filename", "format", "width", "height", "pages", "bytes", "sha256", "created_at", "url"],
    ),
    "ImageList": obj(
        {"items": {"type": "array", "items": ref("Image")}, "page": integer(), "limit": integer(),
         "total": integer(), "pages": integer()},
        ["items", "page", "limit", "total", "pages"],
    ),
    "TransformRequest": transform_request(),
    "Derived": obj(
        {"id": string(), "transformation": string(), "url": string(), "width": integer(),
         "height": integer(), "format": string(enum=OUTPUT_FORMATS), "bytes": integer()},
        ["id", "transformation", "url", "width", "height", "format", "bytes"],
    ),
    "SignRequest": obj(
        {"items": {"type": "array", "minItems": 1, "maxItems": 100, "items": obj(
            {"id": string(), "transformation": string(),
             "format": string(enum=[*OUTPUT_FORMATS, *FORMAT_ALIASES])}, ["id"])}},
        ["items"],
    ),
    "SignAnswer": obj(
        {"items": {"type": "array", "items": obj(
            {"id": string(), "transformation": string(), "format": string(enum=OUTPUT_FORMATS), "url": string()},
            ["id", "transformation", "format", "url"])}},
        ["items"],
    ),
    "Status": obj({"status": string()}, ["status"]),
}
