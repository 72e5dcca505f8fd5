"""Passwords (bcrypt), API tokens (JWT HS256), delivery URL signatures (Cloudinary's scheme), and what a
signed URL may not contain (what a proxy in front would rewrite)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import unquote

import bcrypt
import jwt

from imgorigin.errors import BadRequest, Forbidden, Unauthorized

JWT_ALGORITHM = "HS256"
PASSWORD_MIN = 8
# bcrypt reads only the first 72 bytes; longer passwords are refused rather than silently truncated.
PASSWORD_MAX_BYTES = 72
BCRYPT_ROUNDS = 12


# fullmatch, not match with "$": "$" also matches before a trailing newline ("victim\n" was a second
# account shown as "victim"). ASCII only (no look-alike letters), starting and ending with a letter or digit
# (no "victim." or "-victim" beside "victim"). Names are stored lowercased.
USERNAME = re.compile(r"[a-z0-9](?:[a-z0-9_.-]{1,30})[a-z0-9]", re.IGNORECASE | re.ASCII)


def check_username(username: object) -> str:
    """The account name to store (lowercased), or 400."""
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise BadRequest(
            "username must be 3-32 characters: letters, digits, '_', '.' or '-', "
            "starting and ending with a letter or digit",
            code="invalid_username",
        )
    return username.lower()


def check_password_rules(password: object) -> str:
    if not isinstance(password, str):
        raise BadRequest("password must be a string", code="invalid_password")
    if len(password) < PASSWORD_MIN:
        raise BadRequest(f"password must be at least {PASSWORD_MIN} characters", code="invalid_password")
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        raise BadRequest(
            f"password must be at most {PASSWORD_MAX_BYTES} bytes (UTF-8)", code="invalid_password"
        )
    return password


def hash_password(password: str, rounds: int = BCRYPT_ROUNDS) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, hashed: str) -> bool:
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        return False
    return bcrypt.checkpw(password.encode(), hashed.encode())


@functools.cache
def dummy_hash(rounds: int) -> str:
    """A hash at the configured cost to check against when the user does not exist, so that both
    failures take as long (a fixed cost-12 hash told which usernames exist when the cost was not 12)."""
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds)).decode()


def verify_password_timing_safe(password: str, hashed: str | None, rounds: int = BCRYPT_ROUNDS) -> bool:
    ok = verify_password(password, hashed or dummy_hash(rounds))
    return ok and hashed is not None


@dataclass(frozen=True)
class TokenClaims:
    """What a token says: whose it is, which token version of the account, when it was issued."""

    user_id: int
    version: int
    issued_at: int


def issue_token(secret: str, user_id: int, version: int, ttl: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {"sub": str(user_id), "ver": version, "iat": issued, "exp": issued + ttl}
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def read_token(secret: str, token: str) -> TokenClaims:
    """The claims of a valid token; anything else (expired, foreign key, alg none, no exp or ver) is 401.

    Whether the claims still match the account (it exists, same token version, created before the
    token was issued) is for the caller, who has the database.
    """
    try:
        claims = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "iat", "sub", "ver"]}
        )
        version, issued = claims["ver"], claims["iat"]
        if not (isinstance(version, int) and isinstance(issued, int)) or isinstance(version, bool):
            raise ValueError("ver and iat must be integers")
        return TokenClaims(int(claims["sub"]), version, issued)
    except (jwt.PyJWTError, ValueError):
        raise Unauthorized("Invalid or expired token", code="invalid_token") from None


@dataclass(frozen=True)
class UrlSigner:
    """Verifies Cloudinary URL signatures against every configured secret (rotation).

    URLs are signed with ``Settings.signing_secret``, the first of them (``urls.signed_path``)."""

    secrets: tuple[str, ...]
    allow_short: bool = False

    def verify(self, signature: str, to_sign: str) -> None:
        """``signature`` is the whole ``s--...--`` segment; raises 403 unless one secret made it."""
        body = signature[3:-2] if signature.startswith("s--") and signature.endswith("--") else ""
        if len(body) == 32:
            make = long_signature
        elif len(body) == 8:
            if not self.allow_short:
                raise Forbidden("Short (SHA-1) signatures are not accepted", code="short_signature")
            make = short_signature
        else:
            raise Forbidden("Malformed signature", code="bad_signature")
        matched = False
        for secret in self.secrets:
            matched |= hmac.compare_digest(make(to_sign, secret).encode(), signature.encode())
        if not matched:
            raise Forbidden("Invalid signature", code="bad_signature")


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode()


def long_signature(to_sign: str, secret: str) -> str:
    """Cloudinary's long_url_signature: base64url(sha256(to_sign + secret))[:32]."""
    return "s--" + _b64(hashlib.sha256((to_sign + secret).encode()).digest())[:32] + "--"


def short_signature(to_sign: str, secret: str) -> str:
    """Cloudinary's default signature: base64url(sha1(to_sign + secret))[:8]."""
    return "s--" + _b64(hashlib.sha1((to_sign + secret).encode()).digest())[:8] + "--"


# What a proxy in front may decode or resolve (see refuse_proxy_rewrites).
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|5c)", re.IGNORECASE)
_TEXT_LAYER = re.compile(r"^[lu]_text:")
_SEPARATORS = re.compile(r"[/\\]")


def refuse_proxy_rewrites(path: str) -> None:
    """Refuse what a proxy in front may decode and resolve before it keys its cache.

    The signature covers the raw bytes; a cache that decodes ``%2F`` and resolves ``..`` (nginx's
    ``$uri``, some CDNs) would file one signed URL under another's key. Cloudinary's grammar needs an
    encoded ``/`` only in the text of a text layer, where it may stay, unless decoding it once makes an
    empty, ``.`` or ``..`` segment; ``%252F`` (Cloudinary's double escape) is always safe.
    """
    if "\\" in path:
        raise BadRequest("A backslash in the URL: browsers turn it into '/'; in a text layer write it as %255C")
    for segment in path.split("/"):
        if not _ENCODED_SEPARATOR.search(segment):
            if unquote(segment) in {".", ".."}:
                raise BadRequest("A '.' or '..' segment in the URL (proxies resolve it)")
            continue
        if any(_ENCODED_SEPARATOR.search(param) and not _TEXT_LAYER.match(param) for param in segment.split(",")):
            raise BadRequest("An encoded '/' or '\\' (%2F, %5C) belongs only in the text of a text layer")
        if any(part in {"", ".", ".."} for part in _SEPARATORS.split(unquote(segment))):
            raise BadRequest(
                "Once %2F is decoded, this text layer makes an empty, '.' or '..' path segment that "
                "proxies rewrite: escape '/' in text as %252F"
            )
