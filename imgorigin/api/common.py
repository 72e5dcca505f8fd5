"""What every API route shares: reading JSON bodies, the caller, thread hops, URL building."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread
from starlette.requests import Request

from imgorigin.client.urls import signed_path
from imgorigin.errors import BadRequest, PayloadTooLarge, Unauthorized
from imgorigin.security import TokenClaims, read_token
from imgorigin.services.wiring import Services
from imgorigin.state.records import ImageRecord, User
from imgorigin.transform.values import OutputFormat

T = TypeVar("T")
MAX_JSON_BYTES = 256 * 1024


def services_of(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


async def in_thread(func: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(func, *args)


async def json_body(request: Request) -> dict[str, Any]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLarge(f"The JSON body is larger than {MAX_JSON_BYTES} bytes")
    try:
        data = json.loads(body)
        # "\ud800" is valid JSON but not text: it would fail later, deep in bcrypt or SQLite, as a 500.
        json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, UnicodeError):
        raise BadRequest("The body must be JSON", code="invalid_json") from None
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply", code="invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object", code="invalid_json")
    return data


async def current_user(request: Request) -> User:
    services = services_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>' (from /login)", code="missing_token")
    claims = read_token(services.settings.jwt_secret, token.strip())
    user = await in_thread(services.db.user, claims.user_id)
    if user is None or not token_binds(claims, user):
        raise Unauthorized("Invalid or expired token", code="invalid_token")
    return user


def token_binds(claims: TokenClaims, user: User) -> bool:
    """A token opens only the account it was issued for: same token version, issued after its creation.

    Ids are never reused, so the creation check only matters for databases from before that rule.
    """
    created = datetime.fromisoformat(user.created_at.replace("Z", "+00:00")).timestamp() if user.created_at else 0
    return claims.version == user.token_version and claims.issued_at >= int(created)


def base_url(request: Request) -> str:
    configured = services_of(request).settings.public_url
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/")


def delivery_url(request: Request, image_id: str, transformation: str, extension: str) -> str:
    secret = services_of(request).settings.signing_secret
    return base_url(request) + signed_path(secret, image_id, transformation, extension)


OUTPUT_EXTENSIONS = tuple(fmt.value for fmt in OutputFormat)


def extension_of(record: ImageRecord) -> str:
    return record.output_format.value


def image_json(request: Request, record: ImageRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "public_id": record.public_id,
        "version": record.version,
        "filename": record.filename,
        "format": record.format,
        "width": record.width,
        "height": record.height,
        "pages": record.pages,
        "bytes": record.bytes,
        "sha256": record.sha256,
        "created_at": record.created_at,
        "colors": json.loads(record.colors) if record.colors else None,
        "blurhash": record.blurhash,
        "placeholder": record.placeholder,
        "url": delivery_url(request, record.id, "", extension_of(record)),
    }


def int_query(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # isdigit() alone admits "²", which int() refuses; ASCII digits only, and not a million of them.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18) or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be an integer between {low} and {high}", code="invalid_query")
    return int(raw)
