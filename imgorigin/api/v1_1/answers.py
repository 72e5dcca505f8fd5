"""How images look in Cloudinary's API answers: its field names, its URLs, its response signature."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from imgorigin.api.common import extension_of
from imgorigin.clouds.signing import response_signature
from imgorigin.security import long_signature
from imgorigin.state.records import ImageRecord


def created_at(record: ImageRecord) -> str:
    """Cloudinary's timestamp format: seconds, ``Z``."""
    return record.created_at.split(".")[0].removesuffix("Z") + "Z"


def etag(record: ImageRecord) -> str:
    """An opaque content tag, stable for the same bytes: the first 32 hex digits of the original's SHA-256."""
    return record.sha256[:32]


def asset_url(base: str, cloud: str, public_id: str, version: int, extension: str,
              transformation: str = "", secret: str | None = None) -> str:
    """The delivery URL in the account's layout, as Cloudinary's SDKs write it, signed with ``secret`` (the
    calling API key's) when there is one, so that it serves under every unsigned policy, ``strict`` too.
    ``base`` is the server's address (``Links.base``)."""
    last = f"{public_id}.{extension}"
    signature = ""
    if secret:
        signature = long_signature(f"{transformation}/{last}" if transformation else last, secret) + "/"
    path = f"{signature}{transformation + '/' if transformation else ''}v{version}/{quote(last, safe='/:-_.')}"
    return f"{base}/{quote(cloud)}/image/upload/{path}"


def url_pair(url: str) -> dict[str, str]:
    """``url`` and ``secure_url``: the second is the address as configured (``IMGORIGIN_PUBLIC_URL`` or the
    request's), the first its plain-HTTP form, as Cloudinary answers both."""
    plain = "http://" + url.split("://", 1)[1] if url.startswith("https://") else url
    return {"url": plain, "secure_url": url}


def resource_json(base: str, cloud: str, record: ImageRecord, *, tags: list[str] | None = None,
                  context: dict[str, str] | None = None, secret: str | None = None,
                  algorithm: str = "sha1", signed: bool = False) -> dict[str, Any]:
    """Cloudinary's fields of a stored image. ``secret`` signs its URLs; with ``signed`` (Upload API
    answers) the answer also carries Cloudinary's response ``signature``."""
    public_id = str(record.public_id or record.id)
    version = int(record.version or 1)
    extension = extension_of(record)
    body: dict[str, Any] = {
        "asset_id": record.id,
        "public_id": public_id,
        "version": version,
        "format": extension,
        "resource_type": "image",
        "type": "upload",
        "created_at": created_at(record),
        "bytes": record.bytes,
        "width": record.width,
        "height": record.height,
        "folder": public_id.rsplit("/", 1)[0] if "/" in public_id else "",
        "etag": etag(record),
        "placeholder": False,
        "original_filename": record.filename.rsplit(".", 1)[0] if "." in record.filename else record.filename,
        **url_pair(asset_url(base, cloud, public_id, version, extension, secret=secret)),
    }
    if record.pages > 1:
        body["pages"] = record.pages
    if tags is not None:
        body["tags"] = tags
    if context:
        body["context"] = {"custom": context}
    if signed and secret is not None:
        body["signature"] = response_signature(public_id, version, secret, algorithm)
    return body
