"""The OpenAPI 3.1 document of the service, served at ``GET /openapi.json``.

Operations are declared here, keyed by (path, method) exactly as the app routes them; the document
is assembled from the app's own route table, so it never lists a route the app lacks, and the tests
fail when the app gains a route that is not declared here. The delivery plane (``/t/{path}``) is
described too, with its plain-text errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from imgorigin import __version__
from imgorigin.api import cloud_openapi

JSON = "application/json"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/avif", "image/gif", "image/tiff")
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]

_ERROR_DESCRIPTIONS = {
    400: "Malformed request: bad JSON, field, query parameter or transformation",
    401: "Missing, invalid or expired token (or wrong credentials)",
    403: "Forbidden",
    404: "No such image (the caller's images only) or route",
    409: "Conflict",
    413: "Body or image over a size limit",
    415: "Not an accepted image type",
    422: "An image of an accepted type that is broken or over the pixel caps",
    429: "Rate limited; see Retry-After",
    503: "Overloaded or a dependency is down; see Retry-After",
    507: "The server is out of disk space; see Retry-After",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/E{status}"} for status in statuses}


def _string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _integer(**extra: Any) -> dict[str, Any]:
    return {"type": "integer", **extra}


def _object(properties: dict[str, Any], required: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {"error": _object({"code": _string(), "message": _string()}, ["code", "message"])}, ["error"]
    ),
    "Credentials": _object({"username": _string(), "password": _string()}, ["username", "password"]),
    "Registration": _object(
        {"username": _string(), "password": _string(),
         "invite": _string(description="an invitation code (IMGORIGIN_REGISTRATION=invite)")},
        ["username", "password"],
    ),
    "User": _object(
        {"id": _integer(), "username": _string(), "created_at": _string()}, ["id", "username", "created_at"]
    ),
    "Session": _object(
        {"user": _ref("User"), "token": _string(), "token_type": _string(enum=["Bearer"]),
         "expires_in": _integer()},
        ["user", "token", "token_type", "expires_in"],
    ),
    "Image": _object(
        {
            "id": _string(), "public_id": _string(description="the account's name for it (Cloudinary's layouts)"),
            "version": _integer(description="Unix time of the upload; an overwrite raises it"),
            "filename": _string(), "format": _string(), "width": _integer(),
            "height": _integer(), "pages": _integer(), "bytes": _integer(), "sha256": _string(),
            "created_at": _string(), "url": _string(description="signed delivery URL of the original"),
            "formats": {"type": "object", "additionalProperties": _string()},
            "download": _string(),
            "colors": {"type": ["array", "null"], "description": "dominant colours, largest share first",
                       "items": _object({"color": _string(pattern="^#[0-9a-f]{6}$"),
                                         "share": {"type": "number", "minimum": 0, "maximum": 1}},
                                        ["color", "share"])},
            "blurhash": {"type": ["string", "null"], "description": "BlurHash placeholder (blurha.sh)"},
            "placeholder": {"type": ["string", "null"], "description": "data: URI of a 16 px WebP"},
            "eager": {"type": "array", "items": _object(
                {"transformation": _string(), "format": _string(),
                 "state": _string(enum=["pending", "done", "failed"]), "error": {"type": ["string", "null"]},
                 "url": _string(description="signed delivery URL of the derivative"), "updated_at": _string()},
                ["transformation", "format", "state", "error", "url", "updated_at"],
            )},
        },
        ["id", "filename", "format", "width", "height", "pages", "bytes", "sha256", "created_at", "url"],
    ),
    "ImageList": _object(
        {"items": {"type": "array", "items": _ref("Image")}, "page": _integer(), "limit": _integer(),
         "total": _integer(), "pages": _integer()},
        ["items", "page", "limit", "total", "pages"],
    ),
    "TransformRequest": _object(
        {
            "transformations": _object(
                {
                    "resize": _object({"width": _integer(minimum=1), "height": _integer(minimum=1),
                                       "mode": _string(), "gravity": _string()}),
                    "crop": _object({"width": _integer(minimum=1), "height": _integer(minimum=1),
                                     "x": _integer(minimum=0), "y": _integer(minimum=0)}, ["width", "height"]),
                    "rotate": {"type": "number", "minimum": -360, "maximum": 360},
                    "flip": {"type": "boolean"},
                    "mirror": {"type": "boolean"},
                    "filters": {"type": "object"},
                    "watermark": _object(
                        {"image": _string(description="id of one of your images"), "text": _string(),
                         "font": _string(), "size": _integer(minimum=1, maximum=1000), "bold": {"type": "boolean"},
                         "italic": {"type": "boolean"}, "color": _string(), "gravity": _string(),
                         "x": _integer(), "y": _integer(), "opacity": _integer(minimum=0, maximum=100),
                         "width": {"type": "number", "description": "pixels, or a fraction (0-1) of the image"},
                         "tiled": {"type": "boolean", "description": "repeat it over the whole image"},
                         "blend": _string(enum=["normal", "multiply", "screen", "overlay", "mask"])},
                        description="an overlay (l_...); give image or text, see docs/layers.md",
                    ),
                    "format": _string(enum=["jpg", "jpeg", "png", "webp", "avif", "gif", "tiff", "auto"]),
                    "quality": _integer(minimum=1, maximum=100),
                    "compress": {"type": "boolean"},
                },
            ),
        },
        ["transformations"],
        description="Translated into the URL grammar; see docs/api.md",
    ),
    "Derived": _object(
        {"id": _string(), "transformation": _string(), "url": _string(), "width": _integer(),
         "height": _integer(), "format": _string(), "bytes": _integer()},
        ["id", "transformation", "url", "width", "height", "format", "bytes"],
    ),
    "SignRequest": _object(
        {"items": {"type": "array", "minItems": 1, "maxItems": 100, "items": _object(
            {"id": _string(), "transformation": _string(), "format": _string()}, ["id"])}},
        ["items"],
    ),
    "SignAnswer": _object(
        {"items": {"type": "array", "items": _object(
            {"id": _string(), "transformation": _string(), "format": _string(), "url": _string()},
            ["id", "transformation", "format", "url"])}},
        ["items"],
    ),
    "Status": _object({"status": _string()}, ["status"]),
}


def _responses() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, description in _ERROR_DESCRIPTIONS.items():
        answer = _json(_ref("Error"), description)
        if status in (429, 503, 507):
            answer["headers"] = _RETRY_AFTER
        answers[f"E{status}"] = answer
    answers["Plain"] = {"description": "A delivery-plane error: a short plain-text message",
                        "content": {"text/plain": {"schema": _string()}}}
    return answers


def _image_id(description: str = "image id") -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "description": description, "schema": _string()}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


_IMAGE_BYTES = {media: {"schema": _string(format="binary")} for media in IMAGE_TYPES}
_COMMON = (400, 401, 429, 503)

_DELIVERY = {
    "tags": ["delivery"],
    "summary": "The delivery plane: a signed transformation URL, rendered on first request, then cached",
    "description": (
        "`/t/[s--SIGNATURE--/]<component>[/<component>...][/v<digits>]/<id>.<ext>` in Cloudinary's grammar "
        "and signature scheme (docs/urls.md). Touches no database. Errors are short plain text."
    ),
    # The signature in the path is the authorisation: browsers and CDNs send no token.
    "security": [],
    "parameters": [{"name": "path", "in": "path", "required": True, "schema": _string(),
                    "description": "signature, transformation, version, id and extension"}],
    "responses": {
        "200": {"description": "The rendered image", "content": _IMAGE_BYTES,
                "headers": {"ETag": {"schema": _string()}, "Cache-Control": {"schema": _string()}}},
        "304": {"description": "Not modified (If-None-Match matched)"},
        **{str(status): {"$ref": "#/components/responses/Plain"}
           for status in (400, 401, 403, 404, 413, 415, 422, 429, 503, 504)},
    },
}

# (path as the app routes it, method) -> the operation
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/register", "post"): {
        "tags": ["auth"], "security": [],
        "summary": "Create an account; answers with a token. IMGORIGIN_REGISTRATION=closed needs an "
                   "administrator's token, =invite an invitation code",
        "requestBody": _body(_ref("Registration")),
        "responses": {"201": _json(_ref("Session"), "The new user and a token"),
                      **_errors(400, 401, 403, 409, 413, 429, 503, 507)},
    },
    ("/invites", "post"): {
        "tags": ["auth"], "summary": "An invitation code that registers one account (administrators only)",
        "responses": {"201": _json(_object({"invite": _string(), "expires_at": _string()}, ["invite", "expires_at"]),
                                   "The code and when it expires"), **_errors(*_COMMON, 403)},
    },
    ("/login", "post"): {
        "tags": ["auth"], "summary": "Exchange username and password for a token (throttled)", "security": [],
        "requestBody": _body(_ref("Credentials")),
        "responses": {"200": _json(_ref("Session"), "The user and a token"), **_errors(*_COMMON, 413)},
    },
    ("/me", "get"): {
        "tags": ["auth"], "summary": "The user the token belongs to",
        "responses": {"200": _json(_object({"user": _ref("User")}, ["user"]), "The user"), **_errors(*_COMMON)},
    },
    ("/me", "delete"): {
        "tags": ["auth"], "summary": "Delete the account with all its images and derived images",
        "responses": {"204": {"description": "Deleted; the token no longer works"}, **_errors(*_COMMON)},
    },
    ("/me/password", "post"): {
        "tags": ["auth"], "summary": "Change the password; every earlier token stops working, a new one is returned",
        "requestBody": _body(_object({"password": _string(description="the current password"),
                                      "new_password": _string(minLength=8)}, ["password", "new_password"])),
        "responses": {"200": _json(_ref("Session"), "The user and a new token"), **_errors(*_COMMON, 403, 413)},
    },
    ("/me/logout-everywhere", "post"): {
        "tags": ["auth"], "summary": "Log out everywhere: every token of the account, this one included, stops working",
        "responses": {"204": {"description": "Every token issued so far is revoked"}, **_errors(*_COMMON)},
    },
    ("/images", "post"): {
        "tags": ["images"], "summary": "Upload an image (multipart field 'file'); the type is sniffed from the bytes",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _object(
            {"file": _string(format="binary"),
             "public_id": _string(description="the public id (Cloudinary's rules); default: the random id"),
             "folder": _string(description="folder put in front of the public id"),
             "overwrite": _string(enum=["true", "false"], description="replace an image of that public id "
                                  "(default true; false answers 409)"),
             "use_filename": _string(enum=["true", "false"], description="the public id from the file name"),
             "unique_filename": _string(enum=["true", "false"], description="with use_filename: a random suffix"),
             "eager": _string(
                description="transformations to render in the background, separated by '|', each with an optional "
                            "format: c_fill,w_400,h_300/webp|w_1200.avif (docs/operations.md)")}, ["file"])}}},
        "responses": {"201": _json(_ref("Image"), "The stored image"),
                      **_errors(*_COMMON, 409, 413, 415, 422, 507)},
    },
    ("/images", "get"): {
        "tags": ["images"], "summary": "The caller's images, newest first",
        "parameters": [
            _query("page", _integer(minimum=1, maximum=1_000_000), "page number, from 1"),
            _query("limit", _integer(minimum=1, maximum=100), "images per page"),
            _query("sha256", _string(pattern="^[0-9a-f]{64}$"), "only the image with this content hash"),
            _query("q", _string(maxLength=200),
                   "search: images whose file name or public id contains it (any case), or whose id it is"),
            _query("folder", _string(maxLength=255), "only images in this folder of public ids, or below it"),
        ],
        "responses": {"200": _json(_ref("ImageList"), "One page of images"), **_errors(*_COMMON)},
    },
    ("/images/{id}", "get"): {
        "tags": ["images"], "summary": "One image's metadata and signed URLs", "parameters": [_image_id()],
        "responses": {"200": _json(_ref("Image"), "The image"), **_errors(*_COMMON, 404)},
    },
    ("/images/{id}", "delete"): {
        "tags": ["images"], "summary": "Delete an image, its files and its derived images",
        "parameters": [_image_id()],
        "responses": {"204": {"description": "Deleted"}, **_errors(*_COMMON, 404)},
    },
    ("/images/{id}/transform", "post"): {
        "tags": ["images"], "summary": "Render a transformation now; answers with its signed URL and metadata",
        "parameters": [_image_id()], "requestBody": _body(_ref("TransformRequest")),
        "responses": {"200": _json(_ref("Derived"), "The derived image"), **_errors(*_COMMON, 404, 413, 415, 422)},
    },
    ("/images/{id}/download", "get"): {
        "tags": ["images"], "summary": "The original's bytes, or the original converted with ?format=",
        "parameters": [_image_id(), _query("format", _string(), "jpg, png, webp, avif, gif or tiff")],
        "responses": {"200": {"description": "The image as an attachment", "content": _IMAGE_BYTES},
                      **_errors(*_COMMON, 404, 415, 422)},
    },
    ("/sign", "post"): {
        "tags": ["images"], "summary": "Signed delivery URLs for many (id, transformation, format) at once",
        "requestBody": _body(_ref("SignRequest")),
        "responses": {"200": _json(_ref("SignAnswer"), "One URL per item, in order"),
                      **_errors(*_COMMON, 404, 413)},
    },
    ("/healthz", "get"): {
        "tags": ["operations"], "summary": "Liveness: the process answers", "security": [],
        "responses": {"200": _json(_ref("Status"), "Alive")},
    },
    ("/folders", "get"): {
        "tags": ["images"], "summary": "The folders of the caller's public ids, each with its image count",
        "responses": {"200": _json(_object({"folders": {"type": "array", "items": _object(
            {"path": _string(), "count": _integer(minimum=1)}, ["path", "count"])}}, ["folders"]), "Folders"),
            **_errors(*_COMMON)},
    },
    ("/capabilities", "get"): {
        "tags": ["operations"], "summary": "What this server can render beyond the core (background removal)",
        "security": [],
        "responses": {"200": _json(_object({"background_removal": _object({
            "available": {"type": "boolean"},
            "reason": {"type": ["string", "null"], "description": "why not, when not available"},
            "ready": {"type": "boolean", "description": "the model is loaded (warmed at start-up)"},
        }, ["available", "reason", "ready"]), "max_upload_bytes": _integer(description="IMGORIGIN_MAX_UPLOAD_BYTES")},
            ["background_removal", "max_upload_bytes"]), "Capabilities")},
    },
    ("/readyz", "get"): {
        "tags": ["operations"], "summary": "Readiness: database and storage reachable", "security": [],
        "responses": {"200": _json({"type": "object"}, "Ready"), "503": _json({"type": "object"}, "Not ready")},
    },
    ("/metrics", "get"): {
        "tags": ["operations"], "summary": "Prometheus metrics of all workers on the host", "security": [],
        "responses": {"200": {"description": "Prometheus text format",
                              "content": {"text/plain": {"schema": _string()}}}},
    },
    ("/openapi.json", "get"): {
        "tags": ["operations"], "summary": "This document", "security": [],
        "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
    },
    ("/t/{path}", "get"): _DELIVERY,
    ("/t/{path}", "head"): {**_DELIVERY, "summary": "Headers of a delivery URL (no body)"},
}

OPERATIONS.update(cloud_openapi.OPERATIONS)

_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def routed_operations(routes: Iterable[BaseRoute]) -> Iterator[tuple[str, str]]:
    """(OpenAPI path, method) of every endpoint the app routes; HEAD only where it is declared.

    HTML pages opt out with ``include_in_schema=False`` (the tests hold them to serving HTML), and so does
    Cloudinary's API under ``/v1_1/``: its reference is Cloudinary's (see docs/migration.md).
    """
    for route in routes:
        if not isinstance(route, Route) or not route.include_in_schema:
            continue
        path = _CONVERTER.sub(r"{\1}", route.path)
        for method in sorted(route.methods or ()):
            method = method.lower()
            if method == "head" and (path, "head") not in OPERATIONS:
                continue
            yield path, method


def build_document(routes: Iterable[BaseRoute], server: str | None = None) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method in routed_operations(routes):
        operation = OPERATIONS.get((path, method))
        if operation is not None:
            paths.setdefault(path, {})[method] = operation
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "imgorigin",
            "version": __version__,
            "description": "Self-hosted image origin: a JSON control plane and a signed, cached delivery plane.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": _responses(),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": BEARER,
    }
    if server:
        document["servers"] = [{"url": server}]
    return document


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(build_document(request.app.routes))


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
