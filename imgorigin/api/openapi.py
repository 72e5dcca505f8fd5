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
from imgorigin.api.openapi_schemas import (
    IMAGE_BYTES,
    JSON,
    OUTPUT_FORMATS,
    SCHEMAS,
    answer,
    errors,
    integer,
    obj,
    ref,
    string,
)

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


def _responses() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, description in _ERROR_DESCRIPTIONS.items():
        error = answer(ref("Error"), description)
        if status in (429, 503, 507):
            error["headers"] = _RETRY_AFTER
        answers[f"E{status}"] = error
    answers["Plain"] = {"description": "A delivery-plane error: a short plain-text message",
                        "content": {"text/plain": {"schema": string()}}}
    return answers


def _image_id(description: str = "image id") -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "description": description, "schema": string()}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


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
    "parameters": [{"name": "path", "in": "path", "required": True, "schema": string(),
                    "description": "signature, transformation, version, id and extension"}],
    "responses": {
        "200": {"description": "The rendered image", "content": IMAGE_BYTES,
                "headers": {"ETag": {"schema": string()}, "Cache-Control": {"schema": string()}}},
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
        "requestBody": _body(ref("Registration")),
        "responses": {"201": answer(ref("Session"), "The new user and a token"),
                      **errors(400, 401, 403, 409, 413, 429, 503, 507)},
    },
    ("/invites", "post"): {
        "tags": ["auth"], "summary": "An invitation code that registers one account (administrators only)",
        "responses": {"201": answer(obj({"invite": string(), "expires_at": string()}, ["invite", "expires_at"]),
                                   "The code and when it expires"), **errors(*_COMMON, 403)},
    },
    ("/login", "post"): {
        "tags": ["auth"], "summary": "Exchange username and password for a token (throttled)", "security": [],
        "requestBody": _body(ref("Credentials")),
        "responses": {"200": answer(ref("Session"), "The user and a token"), **errors(*_COMMON, 413)},
    },
    ("/me", "get"): {
        "tags": ["auth"], "summary": "The user the token belongs to",
        "responses": {"200": answer(obj({"user": ref("User")}, ["user"]), "The user"), **errors(*_COMMON)},
    },
    ("/me", "delete"): {
        "tags": ["auth"], "summary": "Delete the account with all its images and derived images",
        "responses": {"204": {"description": "Deleted; the token no longer works"}, **errors(*_COMMON)},
    },
    ("/me/password", "post"): {
        "tags": ["auth"], "summary": "Change the password; every earlier token stops working, a new one is returned",
        "requestBody": _body(obj({"password": string(description="the current password"),
                                      "new_password": string(minLength=8)}, ["password", "new_password"])),
        "responses": {"200": answer(ref("Session"), "The user and a new token"), **errors(*_COMMON, 403, 413)},
    },
    ("/me/logout-everywhere", "post"): {
        "tags": ["auth"], "summary": "Log out everywhere: every token of the account, this one included, stops working",
        "responses": {"204": {"description": "Every token issued so far is revoked"}, **errors(*_COMMON)},
    },
    ("/images", "post"): {
        "tags": ["images"], "summary": "Upload an image (multipart field 'file'); the type is sniffed from the bytes",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": obj(
            {"file": string(format="binary"),
             "public_id": string(description="the public id (Cloudinary's rules); default: the random id"),
             "folder": string(description="folder put in front of the public id"),
             "overwrite": string(enum=["true", "false"], description="replace an image of that public id "
                                  "(default true; false answers 409)"),
             "use_filename": string(enum=["true", "false"], description="the public id from the file name"),
             "unique_filename": string(enum=["true", "false"], description="with use_filename: a random suffix"),
             "eager": string(
                description="transformations to render in the background, separated by '|', each with an optional "
                            "format: c_fill,w_400,h_300/webp|w_1200.avif (docs/operations.md)")}, ["file"])}}},
        "responses": {"201": answer(ref("Image"), "The stored image"),
                      **errors(*_COMMON, 409, 413, 415, 422, 507)},
    },
    ("/images", "get"): {
        "tags": ["images"], "summary": "The caller's images, newest first",
        "parameters": [
            _query("page", integer(minimum=1, maximum=1_000_000), "page number, from 1"),
            _query("limit", integer(minimum=1, maximum=100), "images per page"),
            _query("sha256", string(pattern="^[0-9a-f]{64}$"), "only the image with this content hash"),
            _query("q", string(maxLength=200),
                   "search: images whose file name or public id contains it (any case), or whose id it is"),
            _query("folder", string(maxLength=255), "only images in this folder of public ids, or below it"),
            _query("tag", string(maxLength=255), "only images with exactly this tag (case-sensitive)"),
        ],
        "responses": {"200": answer(ref("ImageList"), "One page of images"), **errors(*_COMMON)},
    },
    ("/images/{id}", "get"): {
        "tags": ["images"], "summary": "One image's metadata and signed URLs", "parameters": [_image_id()],
        "responses": {"200": answer(ref("Image"), "The image"), **errors(*_COMMON, 404)},
    },
    ("/images/{id}", "delete"): {
        "tags": ["images"], "summary": "Delete an image, its files and its derived images",
        "parameters": [_image_id()],
        "responses": {"204": {"description": "Deleted"}, **errors(*_COMMON, 404)},
    },
    ("/images/{id}/transform", "post"): {
        "tags": ["images"], "summary": "Render a transformation now; answers with its signed URL and metadata",
        "parameters": [_image_id()], "requestBody": _body(ref("TransformRequest")),
        "responses": {"200": answer(ref("Derived"), "The derived image"), **errors(*_COMMON, 404, 413, 415, 422)},
    },
    ("/images/{id}/download", "get"): {
        "tags": ["images"], "summary": "The original's bytes, or the original converted with ?format=",
        "parameters": [_image_id(), _query("format", string(enum=OUTPUT_FORMATS), "the format to convert to")],
        "responses": {"200": {"description": "The image as an attachment", "content": IMAGE_BYTES},
                      **errors(*_COMMON, 404, 415, 422)},
    },
    ("/sign", "post"): {
        "tags": ["images"], "summary": "Signed delivery URLs for many (id, transformation, format) at once",
        "requestBody": _body(ref("SignRequest")),
        "responses": {"200": answer(ref("SignAnswer"), "One URL per item, in order"),
                      **errors(*_COMMON, 404, 413)},
    },
    ("/healthz", "get"): {
        "tags": ["operations"], "summary": "Liveness: the process answers", "security": [],
        "responses": {"200": answer(ref("Status"), "Alive")},
    },
    ("/folders", "get"): {
        "tags": ["images"], "summary": "The folders of the caller's public ids, each with its image count",
        "responses": {"200": answer(obj({"folders": {"type": "array", "items": obj(
            {"path": string(), "count": integer(minimum=1)}, ["path", "count"])}}, ["folders"]), "Folders"),
            **errors(*_COMMON)},
    },
    ("/tags", "get"): {
        "tags": ["images"], "summary": "The tags of the caller's images (1000 by name), each with its image count",
        "responses": {"200": answer(obj({"tags": {"type": "array", "items": obj(
            {"tag": string(), "count": integer(minimum=1)}, ["tag", "count"])}}, ["tags"]), "Tags"),
            **errors(*_COMMON)},
    },
    ("/capabilities", "get"): {
        "tags": ["operations"], "summary": "What this server can render beyond the core (background removal)",
        "security": [],
        "responses": {"200": answer(obj({"background_removal": obj({
            "available": {"type": "boolean"},
            "reason": {"type": ["string", "null"], "description": "why not, when not available"},
            "ready": {"type": "boolean", "description": "the model is loaded (warmed at start-up)"},
        }, ["available", "reason", "ready"]), "max_upload_bytes": integer(description="IMGORIGIN_MAX_UPLOAD_BYTES")},
            ["background_removal", "max_upload_bytes"]), "Capabilities")},
    },
    ("/readyz", "get"): {
        "tags": ["operations"], "summary": "Readiness: database and storage reachable", "security": [],
        "responses": {"200": answer({"type": "object"}, "Ready"), "503": answer({"type": "object"}, "Not ready")},
    },
    ("/metrics", "get"): {
        "tags": ["operations"], "summary": "Prometheus metrics of all workers on the host", "security": [],
        "responses": {"200": {"description": "Prometheus text format",
                              "content": {"text/plain": {"schema": string()}}}},
    },
    ("/openapi.json", "get"): {
        "tags": ["operations"], "summary": "This document", "security": [],
        "responses": {"200": answer({"type": "object"}, "OpenAPI 3.1")},
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
        "security": [{"bearerAuth": []}],
    }
    if server:
        document["servers"] = [{"url": server}]
    return document


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(build_document(request.app.routes))


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
