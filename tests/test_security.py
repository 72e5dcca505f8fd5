"""Signatures (Cloudinary's own SDK vectors), passwords and tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from imgorigin.errors import BadRequest, Forbidden, Unauthorized
from imgorigin.security import (
    UrlSigner,
    check_password_rules,
    hash_password,
    issue_token,
    long_signature,
    read_token,
    short_signature,
    verify_password,
)

SECRET = "a-jwt-secret-that-is-long-enough-for-hs512-too-0123456789abcdefgh"


def test_cloudinary_short_signature_vector() -> None:
    assert short_signature("c_crop,h_20,w_10/image.jpg", "b") == "s--Ai4Znfl3--"


def test_cloudinary_long_signature_vector() -> None:
    assert long_signature("sample.jpg", "b") == "s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--"


def test_signer_verifies_long_and_refuses_short_unless_allowed() -> None:
    signer = UrlSigner(("b",))
    signer.verify("s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--", "sample.jpg")
    with pytest.raises(Forbidden, match="Short"):
        signer.verify("s--Ai4Znfl3--", "c_crop,h_20,w_10/image.jpg")
    UrlSigner(("b",), allow_short=True).verify("s--Ai4Znfl3--", "c_crop,h_20,w_10/image.jpg")


@pytest.mark.parametrize(
    "signature",
    ["s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFg--", "s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUF--", "s----", "x--abc--"],
)
def test_signer_refuses_wrong_signatures(signature: str) -> None:
    with pytest.raises(Forbidden):
        UrlSigner(("b",)).verify(signature, "sample.jpg")


def test_rotation_every_secret_verifies() -> None:
    old, new = "old-secret-0123456789", "new-secret-0123456789"
    rotated = UrlSigner((new, old))
    rotated.verify(long_signature("w_100/abc.jpg", old), "w_100/abc.jpg")
    rotated.verify(long_signature("w_100/abc.jpg", new), "w_100/abc.jpg")
    with pytest.raises(Forbidden):
        UrlSigner((new,)).verify(long_signature("w_100/abc.jpg", old), "w_100/abc.jpg")


def test_password_rules() -> None:
    assert check_password_rules("12345678") == "12345678"
    with pytest.raises(BadRequest, match="at least 8"):
        check_password_rules("short")
    with pytest.raises(BadRequest, match="at most 72 bytes"):
        check_password_rules("é" * 40)  # 80 bytes in UTF-8: bcrypt would silently cut it
    with pytest.raises(BadRequest, match="must be a string"):
        check_password_rules(12345678)


def test_password_hash_round_trip() -> None:
    hashed = hash_password("correct horse", rounds=4)
    assert hashed.startswith("$2b$04$")
    assert verify_password("correct horse", hashed)
    assert not verify_password("correct horsf", hashed)


def test_token_round_trip_and_expiry() -> None:
    issued = int(time.time()) - 30
    claims = read_token(SECRET, issue_token(SECRET, 42, 3, ttl=60, now=issued))
    assert (claims.user_id, claims.version, claims.issued_at) == (42, 3, issued)
    expired = issue_token(SECRET, 42, 0, ttl=60, now=time.time() - 120)
    with pytest.raises(Unauthorized):
        read_token(SECRET, expired)


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode(
            {"sub": "1", "iat": int(time.time()), "exp": int(time.time()) + 60}, "another-key-" * 4, algorithm="HS256"
        ),
        jwt.encode({"sub": "1", "iat": int(time.time())}, SECRET, algorithm="HS256"),  # no exp
        jwt.encode({"sub": "1", "iat": int(time.time()), "exp": int(time.time()) + 60}, SECRET, algorithm="HS512"),
        jwt.encode({"sub": "1", "iat": int(time.time()), "exp": int(time.time()) + 60}, None, algorithm="none"),
        # a token must carry the account's token version ("ver") as an integer
        jwt.encode({"sub": "1", "iat": int(time.time()), "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "1", "ver": "0", "iat": int(time.time()), "exp": int(time.time()) + 60}, SECRET,
                   algorithm="HS256"),
        "not.a.token",
    ],
)
def test_tokens_refused(token: str) -> None:
    with pytest.raises(Unauthorized):
        read_token(SECRET, token)
