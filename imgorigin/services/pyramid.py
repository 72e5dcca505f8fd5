"""Pyramid levels in storage: written at upload, read by renders, removed with the original.

Levels go through the ``Storage`` protocol only, so local disk and S3 behave the same. Originals
stored before the pyramid existed simply have no levels (renders fall back to the original) until
``imgorigin pyramid build`` adds them.

Next to the levels goes the original's header (size, orientation, alpha, frames: ``header_key``),
written after them: a render reads it and the one level it needs, and fetches the original only when
no level serves (on S3, a 100 KB level instead of the whole original). Without it (no levels, or an
unreadable object) the renderer reads the header from the original, as before the pyramid.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path

from imgorigin.blob import Blob
from imgorigin.storage import Storage, header_key, original_key, pyramid_key
from imgorigin.transform.levels import LevelPicker, PyramidPolicy, build_levels
from imgorigin.transform.source import Header, SourceLimits, check_caps, read_header


def store_levels(storage: Storage, image_id: str, blob: Blob, header: Header, policy: PyramidPolicy,
                 work_dir: Path) -> list[int]:
    """Build and store every level the policy gives this original; the denominators stored."""
    return write_levels(storage, image_id, header, build_levels(blob, header, policy), work_dir)


def write_levels(storage: Storage, image_id: str, header: Header, levels: dict[int, bytes],
                 work_dir: Path) -> list[int]:
    """Store encoded levels (denominator -> bytes), then the header beside them; the denominators stored."""
    for denominator, data in levels.items():
        _put_bytes(storage, pyramid_key(image_id, denominator), data, work_dir)
    if levels:
        _put_bytes(storage, header_key(image_id), json.dumps(dataclasses.asdict(header)).encode(), work_dir)
    return list(levels)


def _put_bytes(storage: Storage, key: str, data: bytes, work_dir: Path) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=work_dir, prefix="level-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        storage.put(key, path)
    finally:
        path.unlink(missing_ok=True)


def stored_header(storage: Storage, image_id: str, limits: SourceLimits) -> Header | None:
    """The header stored with the levels, checked against today's caps; None when there is none."""
    blob = storage.get(header_key(image_id))
    if blob is None:
        return None
    try:
        facts = json.loads(blob.read_bytes())
        header = Header(**facts)
        valid = all(isinstance(getattr(header, field.name), type_) for field, type_ in zip(
            dataclasses.fields(Header), (str, int, int, int, bool, int), strict=True))
    except (ValueError, TypeError):
        return None
    if not valid or header.pages != 1 or header.format == "svg":  # levels exist for neither
        return None
    check_caps(header.width, header.height, header.pages, limits)
    return header


# Denominators any released policy has used: deletion removes them all, so a policy change or a
# size rule change never leaves a level behind.
_ALL_DENOMINATORS = (1, 2, 8)


def delete_levels(storage: Storage, image_id: str, policy: PyramidPolicy) -> None:
    storage.delete(header_key(image_id))  # first: without it renders stop reading levels
    for denominator in sorted({*policy.denominators, *_ALL_DENOMINATORS}):
        storage.delete(pyramid_key(image_id, denominator))


def level_picker(storage: Storage, image_id: str, header: Header, policy: PyramidPolicy) -> LevelPicker:
    """For the renderer: the smallest stored level that serves a scaled size, else None."""

    def pick(scaled: tuple[int, int]) -> Blob | None:
        for denominator in policy.choose(header, scaled):
            blob = storage.get(pyramid_key(image_id, denominator))
            if blob is not None:
                return blob
        return None

    return pick


def build_missing(storage: Storage, limits: SourceLimits, policy: PyramidPolicy, work_dir: Path,
                  *, force: bool = False) -> tuple[int, int]:
    """Add the levels missing from every original in storage: (originals seen, levels written)."""
    seen = written = 0
    for key in list(storage.keys("originals")):
        image_id = key.rsplit("/", 1)[-1]
        blob = storage.get(original_key(image_id))
        if blob is None:
            continue
        seen += 1
        header = read_header(blob, limits)
        wanted = policy.level_sizes(header)
        if not wanted:
            continue
        if not force and storage.exists(header_key(image_id)) and all(
                storage.exists(pyramid_key(image_id, d)) for d in wanted):
            continue
        written += len(store_levels(storage, image_id, blob, header, policy, work_dir))
    return seen, written
