"""Request signatures exactly as Cloudinary's SDKs make them, and how parameters are read (no server)."""

from __future__ import annotations

import hashlib

import pytest
from cloudinary.utils import api_sign_request, verify_api_response_signature

from imgorigin.clouds.signing import response_signature, sign, string_to_sign, verify
from imgorigin.errors import BadRequest, Unauthorized

SECRET = "hdcixPpR2iKERPwqvH6sHdK9cyac"


def test_cloudinarys_documented_example() -> None:
    params = {"public_id": "sample_image", "timestamp": "1315060510"}
    assert string_to_sign(params) == "public_id=sample_image&timestamp=1315060510"
    assert sign(params, "abcd") == "b4ad47fb4e25c7bf5f92a20089f9db59bc302313"


@pytest.mark.parametrize("params", [
    {"timestamp": "1568810420", "username": "user@cloudinary.com"},
    {"timestamp": "1568810420", "eager": "c_fill,w_100|w_200/png", "tags": "a,b", "public_id": "x/y z"},
    {"timestamp": "1568810420", "notification_url": "https://fake.com/callback?a=1&tags=hello,world"},
    {"timestamp": "1568810420", "public_ids": ["a", "b"], "command": "add", "tag": "t"},
])
@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_same_signature_as_the_sdk(params: dict[str, str | list[str]], algorithm: str) -> None:
    assert sign(params, SECRET, algorithm) == api_sign_request(dict(params), SECRET, algorithm)


def test_excluded_and_empty_parameters_are_not_signed() -> None:
    params = {"timestamp": "1", "file": "data:...", "cloud_name": "c", "resource_type": "image", "api_key": "k",
              "signature": "s", "folder": "", "public_id": "p"}
    assert string_to_sign(params) == "public_id=p&timestamp=1"


def test_ampersands_cannot_smuggle_a_parameter() -> None:
    smuggled = {"timestamp": "1", "public_id": "a&overwrite=true"}
    honest = {"timestamp": "1", "public_id": "a", "overwrite": "true"}
    assert string_to_sign(smuggled) == "public_id=a%26overwrite=true&timestamp=1"
    assert sign(smuggled, SECRET) != sign(honest, SECRET)
    legacy = hashlib.sha1((string_to_sign(honest, version=1) + SECRET).encode()).hexdigest()
    with pytest.raises(Unauthorized, match="Invalid Signature"):
        verify({**smuggled, "signature": legacy}, (SECRET,), now=1)


def test_verify_accepts_sha1_and_sha256_and_checks_time() -> None:
    params = {"timestamp": "1000000", "public_id": "p"}
    for algorithm in ("sha1", "sha256"):
        verify({**params, "signature": sign(params, SECRET, algorithm)}, ("other-secret", SECRET), now=1000100)
    good = {**params, "signature": sign(params, SECRET)}
    with pytest.raises(BadRequest, match="Stale request - reported time is 1970-01-12 13:46:40 \\+0000"):
        verify(good, (SECRET,), now=1000000 + 3601)
    with pytest.raises(BadRequest, match="more than 1 hour ahead"):
        verify(good, (SECRET,), now=1000000 - 3601)
    with pytest.raises(Unauthorized, match="Missing required parameter - signature"):
        verify(params, (SECRET,), now=1000000)
    with pytest.raises(BadRequest, match="Invalid timestamp"):
        verify({**good, "timestamp": "12e3"}, (SECRET,), now=1000000)
    with pytest.raises(Unauthorized):
        verify({**good, "public_id": "q"}, (SECRET,), now=1000000)


def test_response_signature_matches_the_sdks_verification() -> None:
    import cloudinary

    cloudinary.config(api_secret="X7qLTrsES31MzxxkxPPA-pAGGfU")
    try:
        assert response_signature("tests/logo.png", 1, "X7qLTrsES31MzxxkxPPA-pAGGfU") == (
            "08d3107a5b2ad82e7d82c0b972218fbf20b5b1e0")
        assert response_signature("tests/logo.png", 1, "X7qLTrsES31MzxxkxPPA-pAGGfU", "sha256") == (
            "cc69ae4ed73303fbf4a55f2ae5fc7e34ad3a5c387724bfcde447a2957cacdfea")
        assert verify_api_response_signature("tests/logo.png", 1, "08d3107a5b2ad82e7d82c0b972218fbf20b5b1e0")
    finally:
        cloudinary.config(api_secret=None)
