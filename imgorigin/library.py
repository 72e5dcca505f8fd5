"""The image library of the control plane: storing uploads, listing, finding and deleting images.

An upload is checked completely before anything is kept: the type is sniffed by libvips from the
bytes, the header checked against the caps, every pixel decoded once. It is then written under a
temporary name, renamed into place, and only then recorded in the database; if recording fails the
file is removed. A crash between rename and commit leaves an orphan file, which ``imgorigin doctor``
removes; a row never points at a missing file.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime
from pathlib import Path

from imgorigin.db import ImageRecord
from imgorigin.errors import NotFound
from imgorigin.info.summary import summarize
from imgorigin.pyramid import delete_levels, store_levels
from imgorigin.services import Services
from imgorigin.storage import original_key
from imgorigin.transform.levels import PyramidPolicy
from imgorigin.transform.plan import Transformation
from imgorigin.transform.source import Blob, read_header, verify_decodes

_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 16  # 62^16, about 95 bits: unguessable
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def new_image_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def clean_filename(name: str | None) -> str:
    """The client's filename is metadata only: keep its last path part, printable, 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("", base).strip()
    return base[:255] or "upload"


def store_upload(services: Services, user_id: int, filename: str, spooled: Path, sha256: str) -> ImageRecord:
    """Check and keep an uploaded file (runs in a worker thread). ``spooled`` is consumed."""
    try:
        blob = Blob(path=spooled)
        header = read_header(blob, services.renderer.source_limits)
        pyramid = services.renderer.pyramid
        # When levels will be built, the integrity check keeps its decode for them: one decode, not two.
        with_levels = pyramid is not None and bool(pyramid.level_sizes(header))
        decoded = verify_decodes(blob, header, timeout=services.settings.render_timeout, keep=with_levels)
        summary = summarize(blob)
        size = spooled.stat().st_size
        image_id = new_image_id()
        key = original_key(image_id)
        # Levels first (put may move the spooled file away), so an original never lacks its levels.
        if pyramid is not None:
            store_levels(services.storage, image_id, blob, header, pyramid, spooled.parent, decoded)
        services.storage.put(key, spooled)
        record = ImageRecord(
            id=image_id, user_id=user_id, filename=clean_filename(filename), format=header.format,
            width=header.width, height=header.height, pages=header.pages, bytes=size, sha256=sha256,
            created_at=now_iso(), colors=summary.colors_json(), blurhash=summary.blurhash,
            placeholder=summary.placeholder,
        )
        try:
            services.db.add_image(record)
        except BaseException:
            services.storage.delete(key)
            delete_levels(services.storage, image_id, pyramid or PyramidPolicy())
            raise
        return record
    finally:
        spooled.unlink(missing_ok=True)


def get_image(services: Services, user_id: int, image_id: str) -> ImageRecord:
    record = services.db.image(user_id, image_id)
    if record is None:
        raise NotFound("No such image", code="image_not_found")
    return record


def require_own_layers(services: Services, user_id: int, plan: Transformation) -> None:
    """Signing a URL with ``l_<id>`` publishes that image: only its owner may do it."""
    for layer_id in plan.layer_ids():
        if services.db.image(user_id, layer_id) is None:
            raise NotFound(f"No such overlay image: l_{layer_id}", code="layer_not_found")


def delete_image(services: Services, user_id: int, image_id: str) -> None:
    """Row first: once it is gone the image is gone for its owner, whatever happens to the file."""
    if not services.db.delete_image(user_id, image_id):
        raise NotFound("No such image", code="image_not_found")
    remove_files(services, image_id)


def remove_files(services: Services, image_id: str) -> None:
    """Everything stored for an image whose row is already gone: original, pyramid levels, derivatives."""
    services.storage.delete(original_key(image_id))
    delete_levels(services.storage, image_id, services.renderer.pyramid or PyramidPolicy())
    services.cache.evict_image(image_id)
