"""Cloudinary's request signatures for the Upload API, exactly as its SDKs compute them.

Every parameter except ``file``, ``cloud_name``, ``resource_type``, ``api_key`` and ``signature`` itself
is signed: empty values are left out, lists are joined with ``,``, each pair becomes ``key=value``, the
pairs are sorted and joined with ``&``, the account's ``api_secret`` is appended, and the whole is hashed
with SHA-1 (40 hex digits) or SHA-256 (64 hex digits, ``signature_algorithm="sha256"`` in the SDKs)::

    api_sign_request({"public_id": "sample", "timestamp": 1315060510}, "abcd")
    sha1("public_id=sample&timestamp=1315060510abcd") = "b4ad47fb4e25c7bf5f92a20089f9db59bc302313"

Signature version 2 (the SDKs' default since 2024) writes ``&`` inside a value as ``%26`` so that a value
cannot smuggle in a parameter; version 1 did not. Only version 2 is checked: it is the same string as
version 1 unless a value holds ``&``, so old SDKs keep working and nobody can smuggle. The ``timestamp``
is signed and must be within an hour of the server's clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from imgorigin.errors import BadRequest, Unauthorized

UNSIGNED_KEYS = frozenset({"file", "cloud_name", "resource_type", "api_key", "signature"})
MAX_AGE = 3600  # Cloudinary's: a signed request is good for an hour
_ALGORITHMS = {40: hashlib.sha1, 64: hashlib.sha256}

Value = str | list[str]


def string_to_sign(params: Mapping[str, Value], *, version: int = 2) -> str:
    pairs = []
    for key, value in params.items():
        if key in UNSIGNED_KEYS or not value:
            continue
        text = ",".join(value) if isinstance(value, list) else value
        pair = f"{key}={text}"
        pairs.append(pair.replace("&", "%26") if version >= 2 else pair)
    return "&".join(sorted(pairs))


def sign(params: Mapping[str, Value], secret: str, algorithm: str = "sha1", *, version: int = 2) -> str:
    """The hex signature of ``params`` (what ``cloudinary.utils.api_sign_request`` returns)."""
    digest = hashlib.sha256 if algorithm == "sha256" else hashlib.sha1
    return digest((string_to_sign(params, version=version) + secret).encode()).hexdigest()


def verify(params: Mapping[str, Value], secrets: tuple[str, ...], now: float | None = None) -> None:
    """Raise unless ``params`` carry a fresh ``timestamp`` and a ``signature`` one of ``secrets`` made."""
    signature = params.get("signature")
    if not isinstance(signature, str) or not signature:
        raise Unauthorized("Missing required parameter - signature", code="missing_signature")
    check_timestamp(params.get("timestamp"), time.time() if now is None else now)
    digest = _ALGORITHMS.get(len(signature))
    if digest is None or not all(c in "0123456789abcdef" for c in signature.lower()):
        raise Unauthorized(f"Invalid Signature {signature[:64]}: expected 40 or 64 hexadecimal digits",
                           code="bad_signature")
    # Version 1 differs from version 2 only when a value holds "&": comparing with version 2 alone
    # accepts old SDKs everywhere it is safe and refuses the one ambiguous case.
    to_sign = string_to_sign(params)
    expected = [digest((to_sign + secret).encode()).hexdigest() for secret in secrets]
    matched = False
    for candidate in expected:
        matched |= hmac.compare_digest(candidate, signature.lower())
    if not matched:
        # Cloudinary's message names the string that was signed, so a client can find its mistake.
        raise Unauthorized(f"Invalid Signature {signature}. String to sign - '{to_sign}'.", code="bad_signature")


def check_timestamp(raw: object, now: float) -> int:
    if not isinstance(raw, str) or not raw:
        raise BadRequest("Missing required parameter - timestamp", code="missing_timestamp")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise BadRequest(f"Invalid timestamp {raw[:32]!r}: expected Unix time in seconds", code="invalid_timestamp")
    stamp = int(raw)
    shown = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")
    if stamp < now - MAX_AGE:
        raise BadRequest(f"Stale request - reported time is {shown} which is more than 1 hour ago",
                         code="stale_request")
    if stamp > now + MAX_AGE:
        # A far-future timestamp would keep a signed request replayable for as long as it says.
        raise BadRequest(f"Invalid timestamp - reported time is {shown} which is more than 1 hour ahead",
                         code="future_request")
    return stamp


def response_signature(public_id: str, version: int, secret: str, algorithm: str = "sha1") -> str:
    """The ``signature`` of an upload answer (``cloudinary.utils.verify_api_response_signature``), with the
    algorithm the request was signed with."""
    return sign({"public_id": public_id, "version": str(version)}, secret, algorithm, version=1)


def algorithm_of(signature: str) -> str:
    return "sha256" if len(signature) == 64 else "sha1"
