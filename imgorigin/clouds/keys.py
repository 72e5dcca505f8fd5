"""API keys: a random public id per key, and a secret derived from the server's key secret.

``api_secret = base64url(HMAC-SHA256(IMGORIGIN_KEY_SECRET, "<cloud>:<api_key>"))[:32]``. Only the
derivation key is secret; nothing stores an API secret, so a render node that knows the server key
secret and the account's list of live keys (published in the object store, see ``state.py``) verifies
any account's URL signatures without a database. Revoking a key removes it from that list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from imgorigin.errors import Forbidden
from imgorigin.security import UrlSigner

API_KEY_DIGITS = 15  # Cloudinary's keys are 15-digit numbers; some client code stores them as integers
SECRET_LENGTH = 32  # characters of base64url: 192 bits


def new_api_key() -> str:
    return str(secrets.randbelow(9 * 10 ** (API_KEY_DIGITS - 1)) + 10 ** (API_KEY_DIGITS - 1))


def is_api_key(text: str) -> bool:
    return len(text) == API_KEY_DIGITS and text.isascii() and text.isdigit()


def api_secret(key_secret: str, cloud: str, api_key: str) -> str:
    digest = hmac.new(key_secret.encode(), f"{cloud}:{api_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SECRET_LENGTH]


def verify_url_signature(key_secret: str, cloud: str, api_keys: Iterable[str], signature: str, to_sign: str,
                         allow_short: bool) -> None:
    """403 unless one of the account's live keys made ``signature`` over ``to_sign`` (Cloudinary's scheme)."""
    secrets_ = tuple(api_secret(key_secret, cloud, key) for key in api_keys)
    if not secrets_:
        raise Forbidden("Invalid signature", code="bad_signature")
    UrlSigner(secrets_, allow_short=allow_short).verify(signature, to_sign)
