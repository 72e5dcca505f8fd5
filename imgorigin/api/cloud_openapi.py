"""OpenAPI operations of the clouds' routes (merged into ``api/openapi.py``'s table)."""

from __future__ import annotations

from typing import Any

from imgorigin.api.openapi_schemas import IMAGE_BYTES, JSON
from imgorigin.api.openapi_schemas import answer as _answer
from imgorigin.api.openapi_schemas import errors as _errors

_STRING = {"type": "string"}
_KEY = {"type": "object", "properties": {"api_key": _STRING, "created_at": _STRING},
        "required": ["api_key", "created_at"]}
_CREATED = {"type": "object", "properties": {"api_key": _STRING, "api_secret": _STRING, "cloud_name": _STRING},
            "required": ["api_key", "api_secret", "cloud_name"]}
_KEYS = {"type": "object", "properties": {"cloud_name": _STRING, "items": {"type": "array", "items": _KEY}},
         "required": ["cloud_name", "items"]}
_COMMON = (400, 401, 429, 503)
_POLICY = {"type": ["string", "null"], "enum": ["strict", "allowlist", "open", None]}
_CLOUD = {"type": "object", "properties": {
    "cloud_name": _STRING, "unsigned_policy": _POLICY,
    "effective_unsigned_policy": {"type": "string", "enum": ["strict", "allowlist", "open"]},
    "allowed_transformations": {"type": "array", "items": _STRING}},
    "required": ["cloud_name", "unsigned_policy", "effective_unsigned_policy", "allowed_transformations"]}
_CLOUD_UPDATE = {"type": "object", "additionalProperties": False, "properties": {
    "unsigned_policy": _POLICY,
    "allowed_transformations": {"type": "array", "maxItems": 200, "items": _STRING}}}


def _delivery(summary: str, parameters: list[str]) -> dict[str, Any]:
    return {
        "tags": ["delivery"], "summary": summary, "security": [],
        "description": "Cloudinary's layout, signed with the account's API secret or allowed by its unsigned "
                       "policy (docs/migration.md). Touches no database. Errors are short plain text.",
        "parameters": [{"name": name, "in": "path", "required": True, "schema": _STRING} for name in parameters],
        "responses": {
            "200": {"description": "The rendered image", "content": IMAGE_BYTES},
            "304": {"description": "Not modified (If-None-Match matched)"},
            **{str(status): {"$ref": "#/components/responses/Plain"}
               for status in (400, 401, 403, 404, 413, 415, 422, 429, 502, 503)},
        },
    }

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/me/api-keys", "post"): {
        "tags": ["clouds"], "summary": "Create an API key; its secret is in this answer only",
        "responses": {"201": _answer(_CREATED, "The key, its secret and the cloud name"), **_errors(*_COMMON, 409)},
    },
    ("/me/api-keys", "get"): {
        "tags": ["clouds"], "summary": "The account's API keys (without secrets)",
        "responses": {"200": _answer(_KEYS, "The keys"), **_errors(*_COMMON)},
    },
    ("/me/api-keys/{api_key}", "delete"): {
        "tags": ["clouds"], "summary": "Revoke an API key (render nodes stop accepting it within the state TTL)",
        "parameters": [{"name": "api_key", "in": "path", "required": True, "schema": _STRING}],
        "responses": {"204": {"description": "Revoked"}, **_errors(*_COMMON, 404)},
    },
    ("/me/cloud", "get"): {
        "tags": ["clouds"], "summary": "The account's delivery settings: cloud name, unsigned policy",
        "responses": {"200": _answer(_CLOUD, "The settings"), **_errors(*_COMMON)},
    },
    ("/me/cloud", "put"): {
        "tags": ["clouds"], "summary": "Set the unsigned policy (null: the server's) and allowed transformations",
        "requestBody": {"required": True, "content": {JSON: {"schema": _CLOUD_UPDATE}}},
        "responses": {"200": _answer(_CLOUD, "The settings"), **_errors(*_COMMON, 413)},
    },
}
for _type in ("upload", "fetch"):
    _what = "a public id" if _type == "upload" else "a remote image (allow-listed hosts)"
    for _path, _params in ((f"/image/{_type}/{{rest}}", ["rest"]),
                           (f"/{{cloud}}/image/{_type}/{{rest}}", ["cloud", "rest"])):
        OPERATIONS[(_path, "get")] = _delivery(f"Cloudinary's {_type} layout: {_what}", _params)
