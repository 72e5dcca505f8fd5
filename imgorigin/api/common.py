"""What every API route shares: reading JSON bodies, the caller (``Bearer``), thread hops, the URLs of
answers (``Links``). The composition root (``app.py``) builds one ``Bearer`` and one ``Links`` and hands
them to the route classes that use them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread
from starlette.requests import Request

from imgorigin.client.urls import signed_path
from imgorigin.errors import BadRequest, PayloadTooLarge, Unauthorized
from imgorigin.security import TokenClaims, read_token
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord, User
from imgorigin.transform.values import OutputFormat

T = TypeVar("T")
MAX_JSON_BYTES = 256 * 1024


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


@dataclass(frozen=True)
class Bearer:
    """The JSON API's caller: the bearer token (from ``/login``), checked against the user's row."""

    jwt_secret: str
    db: Database

    async def user(self, request: Request) -> User:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send 'Authorization: Bearer <token>' (from /login)", code="missing_token")
        claims = read_token(self.jwt_secret, token.strip())
        user = await in_thread(self.db.user, claims.user_id)
        if user is None or not token_binds(claims, user):
            raise Unauthorized("Invalid or expired token", code="invalid_token")
        return user


def token_binds(claims: TokenClaims, user: User) -> bool:
    """A token opens only the account it was issued for: same token version, issued after its creation.

    Ids are never reused, so the creation check only matters for databases from before that rule.
    """
    created = datetime.fromisoformat(user.created_at.replace("Z", "+00:00")).timestamp() if user.created_at else 0
    return claims.version == user.token_version and claims.issued_at >= int(created)


@dataclass(frozen=True)
class Links:
    """The absolute URLs of API answers: at ``IMGORIGIN_PUBLIC_URL`` when it is set (a CDN, another host),
    else at the request's own address; delivery URLs signed with the first URL secret."""

    public_url: str
    signing_secret: str

    def base(self, request: Request) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def delivery(self, request: Request, image_id: str, transformation: str, extension: str) -> str:
        return self.base(request) + signed_path(self.signing_secret, image_id, transformation, extension)

    def image_json(self, request: Request, record: ImageRecord) -> dict[str, Any]:
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
            "url": self.delivery(request, record.id, "", extension_of(record)),
        }


OUTPUT_EXTENSIONS = tuple(fmt.value for fmt in OutputFormat)


def extension_of(record: ImageRecord) -> str:
    return record.output_format.value


def int_query(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # isdigit() alone admits "²", which int() refuses; ASCII digits only, and not a million of them.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18) or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be an integer between {low} and {high}", code="invalid_query")
    return int(raw)
