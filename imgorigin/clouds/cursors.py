"""Sealed ``next_cursor`` tokens: a position in a listing that only this server made, for this listing.

A cursor is ``base64url(value) "." base64url(HMAC-SHA256(key, scope NUL value))[:16 bytes]``. The scope
names the account and the listing (``folders:<account id>:<parent>``), so a cursor copied from another
account or another folder, edited, or made up is refused with the same 400 as garbage, and reading one
never reaches the database with a value the server did not write.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from imgorigin.errors import BadRequest

MAX_CURSOR = 4096  # characters: a cursor holds one position (a folder name of at most a public id's length)
_TAG_BYTES = 16
_DOMAIN = b"imgorigin next_cursor v1\0"


def _tag(key: str, scope: str, value: bytes) -> bytes:
    message = _DOMAIN + scope.encode() + b"\0" + value
    return hmac.new(key.encode(), message, hashlib.sha256).digest()[:_TAG_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: str, scope: str, value: str) -> str:
    raw = value.encode()
    return f"{_b64(raw)}.{_b64(_tag(key, scope, raw))}"


def invalid_cursor() -> BadRequest:
    return BadRequest("Invalid next_cursor", code="invalid_cursor")


def unseal(key: str, scope: str, cursor: str) -> str:
    """The value ``seal`` put in ``cursor`` for ``scope``; 400 for anything else."""
    body, dot, tag = cursor.partition(".")
    if not dot or len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise invalid_cursor()
    try:
        raw, given = _unb64(body), _unb64(tag)
        value = raw.decode()
    except (binascii.Error, ValueError):
        raise invalid_cursor() from None
    if not hmac.compare_digest(given, _tag(key, scope, raw)):
        raise invalid_cursor()
    return value
