"""The rows of the control plane's database, as frozen values: accounts, images, background jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imgorigin.transform.values import OutputFormat, parse_output_format


@dataclass(frozen=True)
class User:
    id: int
    username: str
    created_at: str
    # Bumped by a password change and by "log out everywhere": tokens carry it, older ones stop working.
    token_version: int = field(default=0, repr=False)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "created_at": self.created_at}


@dataclass(frozen=True)
class ImageRecord:
    id: str
    user_id: int
    filename: str
    format: str
    width: int
    height: int
    pages: int
    bytes: int
    sha256: str
    created_at: str
    # Computed at upload (imgorigin/info); None for images stored before these columns existed.
    colors: str | None = None  # JSON: [{"color": "#rrggbb", "share": 0.42}, ...]
    blurhash: str | None = None
    placeholder: str | None = None  # data: URI of a ~16 px WebP
    # The account's name for the image (Cloudinary's public id; the random id when none was chosen) and
    # its version (Unix time of the upload, bumped by an overwrite), set for every row by the migration.
    public_id: str | None = None
    version: int | None = None

    @property
    def output_format(self) -> OutputFormat:
        """The format its URLs deliver by default: its own (``format`` is the loader's name, ``jpeg``
        for a JPEG, read through the grammar's aliases), or PNG for one delivery does not write."""
        try:
            return parse_output_format(self.format)
        except ValueError:
            return OutputFormat.PNG


# Kinds of background job in the ``eager`` table: an eager derivative, or the work an upload leaves
# for later (pyramid levels and the colour summary).
RENDER_JOB = "render"
LEVELS_JOB = "levels"


@dataclass(frozen=True)
class EagerJob:
    id: int
    image_id: str
    transformation: str
    format: str
    state: str  # pending, done or failed
    error: str | None
    attempts: int
    updated_at: str
    kind: str = RENDER_JOB  # RENDER_JOB: the transformation below; LEVELS_JOB: see imgorigin/services/ingest.py
