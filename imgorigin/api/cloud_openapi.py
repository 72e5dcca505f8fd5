"""OpenAPI operations of the clouds' routes (merged into ``api/openapi.py``'s table)."""

from __future__ import annotations

from typing import Any

JSON = "application/json"


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/E{status}"} for status in statuses}


def _answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


_STRING = {"type": "string"}
_KEY = {"type": "object", "properties": {"api_key": _STRING, "created_at": _STRING},
        "required": ["api_key", "created_at"]}
_CREATED = {"type": "object", "properties": {"api_key": _STRING, "api_secret": _STRING, "cloud_name": _STRING},
            "required": ["api_key", "api_secret", "cloud_name"]}
_KEYS = {"type": "object", "properties": {"cloud_name": _STRING, "items": {"type": "array", "items": _KEY}},
         "required": ["cloud_name", "items"]}
_COMMON = (400, 401, 429, 503)

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
}
