"""Passwords (bcrypt), API tokens (JWT HS256) and delivery URL signatures (Cloudinary's scheme)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

import bcrypt
import jwt

from imgorigin.errors import BadRequest, Forbidden, Unauthorized

JWT_ALGORITHM = "HS256"
PASSWORD_MIN = 8
# bcrypt reads only the first 72 bytes; longer passwords are refused rather than silently truncated.
PASSWORD_MAX_BYTES = 72
BCRYPT_ROUNDS = 12


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


# A real hash to compare against when the user does not exist, so both failures take as long.
_DUMMY_HASH = "$2b$12$3a5chxOlYkmR9T0dxdaM2.7ROmnCY9yNBNAbXRBZryW8OP8UqG8HW"


def verify_password_timing_safe(password: str, hashed: str | None) -> bool:
    ok = verify_password(password, hashed or _DUMMY_HASH)
    return ok and hashed is not None


def issue_token(secret: str, user_id: int, ttl: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {"sub": str(user_id), "iat": issued, "exp": issued + ttl}
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def read_token(secret: str, token: str) -> int:
    """The user id in a valid token; anything else (expired, foreign key, alg none, no exp) is 401."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "iat", "sub"]}
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise Unauthorized("Invalid or expired token", code="invalid_token") from None


@dataclass(frozen=True)
class UrlSigner:
    """Cloudinary URL signatures: the first secret signs, every secret verifies (rotation)."""

    secrets: tuple[str, ...]
    allow_short: bool = False

    def sign(self, to_sign: str) -> str:
        return long_signature(to_sign, self.secrets[0])

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
