"""Who is calling: an account's API key, proved by a request signature (Upload API) or HTTP Basic (Admin
API), for the cloud named in the path; or nobody, through an unsigned upload preset.

API secrets are derived from the server's key secret (``imgorigin/clouds/keys.py``), never stored, and
compared in constant time. Every failure is a 401 with Cloudinary's wording, and says nothing about
whether the cloud or the key exists beyond what Cloudinary says.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from starlette.requests import Request

from imgorigin.api.common import in_thread
from imgorigin.api.v1_1.params import Params
from imgorigin.clouds.keys import api_secret, is_api_key
from imgorigin.clouds.records import user_of_key
from imgorigin.clouds.signing import algorithm_of, verify
from imgorigin.clouds.upload_presets import UploadPreset, get_preset
from imgorigin.errors import BadRequest, Unauthorized
from imgorigin.state.db import Database
from imgorigin.state.records import User


@dataclass(frozen=True)
class Caller:
    user: User
    api_key: str | None  # None: an unsigned upload through a preset
    secret: str | None
    algorithm: str = "sha1"  # the request signature's: the answer's ``signature`` uses the same

    @property
    def cloud(self) -> str:
        return self.user.username


@dataclass(frozen=True)
class Callers:
    """Tells who calls the Cloudinary APIs: keys are rows, their secrets derived from ``key_secret``."""

    db: Database
    key_secret: str

    async def _cloud(self, request: Request) -> User:
        name = request.path_params["cloud"]
        found = await in_thread(self.db.user_with_hash, name.lower()) if len(name) <= 64 else None
        if found is None:
            raise Unauthorized(f"Invalid cloud_name {name[:64]}", code="invalid_cloud_name")
        return found[0]

    async def _key_owner(self, request: Request, cloud: User, api_key: str) -> str:
        """The key's secret, after checking that the key is live and belongs to the path's cloud."""
        owner = await in_thread(user_of_key, self.db, api_key) if is_api_key(api_key) else None
        if owner is None:
            raise Unauthorized(f"Unknown API key {api_key[:32]}", code="unknown_api_key")
        if owner.id != cloud.id:
            raise Unauthorized("cloud_name mismatch", code="cloud_name_mismatch")
        return api_secret(self.key_secret, cloud.username, api_key)

    async def signed(self, request: Request, params: Params, *,
                         unsigned_ok: bool = False) -> tuple[Caller, UploadPreset | None]:
        """The Upload API's caller, and the upload preset the call names (checked to exist)."""
        cloud = await self._cloud(request)
        preset_name = params.text("upload_preset")
        preset = await in_thread(get_preset, self.db, cloud.id, preset_name) if preset_name else None
        if preset_name and preset is None:
            raise BadRequest(f"Upload preset not found - {preset_name[:64]}", code="preset_not_found")
        api_key = params.text("api_key")
        if not api_key and not params.text("signature") and unsigned_ok:
            if preset is None:
                raise BadRequest("Upload preset must be specified when using unsigned upload", code="preset_required")
            if not preset.unsigned:
                raise BadRequest("Upload preset must be whitelisted for unsigned uploads", code="preset_not_unsigned")
            return Caller(cloud, None, None), preset
        if not api_key:
            raise Unauthorized("Must supply api_key", code="missing_api_key")
        secret = await self._key_owner(request, cloud, api_key)
        verify(params.values, (secret,))
        return Caller(cloud, api_key, secret, algorithm_of(params.text("signature"))), preset

    async def basic(self, request: Request) -> Caller:
        """The Admin API's caller: ``Authorization: Basic base64(api_key:api_secret)``."""
        cloud = await self._cloud(request)
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            api_key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            sep = ""
        if scheme.lower() != "basic" or not sep:
            raise Unauthorized("Authorization required: HTTP Basic with api_key:api_secret", code="missing_credentials")
        expected = await self._key_owner(request, cloud, api_key)
        if not hmac.compare_digest(expected.encode(), secret.encode()):
            raise Unauthorized("Invalid api_secret", code="invalid_api_secret")
        return Caller(cloud, api_key, expected)
