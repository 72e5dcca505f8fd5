"""Public ids, Cloudinary's rules: how they are checked, and how an upload's naming options choose one.

A public id is 1-255 characters in folders separated by ``/``: letters and digits of any language,
``-``, ``_``, ``.``, spaces and other printable characters, except ``? & # \\ % < > +`` (which
Cloudinary forbids outright). No segment is empty, ``.`` or ``..``; a folder is never ``v<digits>``
(that is the version segment of a delivery URL); no leading or trailing whitespace.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass

from imgorigin.errors import BadRequest
from imgorigin.transform.values import FORMAT_ALIASES, OutputFormat

MAX_LENGTH = 255
FORBIDDEN = set("?&#\\%<>+")
_VERSION = re.compile(r"v[0-9]+")
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SUFFIX_LENGTH = 6  # unique_filename's random suffix, as Cloudinary's
# The extensions a delivery URL may put after a public id: what parse_output_format reads.
EXTENSIONS = frozenset({*(fmt.value for fmt in OutputFormat), *FORMAT_ALIASES})


def invalid(message: str) -> BadRequest:
    return BadRequest(message, code="invalid_public_id")


def check_public_id(text: object, what: str = "public_id") -> str:
    """``text`` if it is a valid public id (or folder, with ``what="folder"``); a 400 with the reason otherwise."""
    if not isinstance(text, str) or not text:
        raise invalid(f"{what} must be a non-empty string")
    if len(text) > MAX_LENGTH:
        raise invalid(f"{what} must be at most {MAX_LENGTH} characters")
    if text != text.strip() or text.startswith("/") or text.endswith("/"):
        raise invalid(f"{what} may not begin or end with whitespace or '/'")
    bad = sorted({c for c in text if c in FORBIDDEN or not c.isprintable()})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise invalid(f"{what} may not contain {shown}: '?&#\\%<>+' and control characters are not allowed")
    segments = text.split("/")
    for index, segment in enumerate(segments):
        if segment in ("", ".", ".."):
            raise invalid(f"{what} may not have empty, '.' or '..' folders")
        if segment != segment.strip():
            raise invalid(f"{what}: a name between '/' may not begin or end with whitespace")
        is_folder = what == "folder" or index < len(segments) - 1
        if is_folder and _VERSION.fullmatch(segment):
            raise invalid(f"{what}: a folder may not be named 'v' followed by digits ({segment!r})")
    return text


def _bool_field(fields: dict[str, str], name: str, default: bool) -> bool:
    raw = fields.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true"}:
        return True
    if lowered in {"0", "false"}:
        return False
    raise BadRequest(f"{name} must be true or false", code="invalid_upload_option")


@dataclass(frozen=True)
class Naming:
    """How an upload chooses its public id: Cloudinary's upload options of the same names."""

    public_id: str | None = None
    folder: str = ""
    overwrite: bool = True  # Cloudinary's default for authenticated uploads
    unique_filename: bool = True
    use_filename: bool = False

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> Naming:
        public_id = fields.get("public_id") or None
        folder = (fields.get("folder") or "").strip("/")
        if public_id is not None:
            check_public_id(public_id)
        if folder:
            check_public_id(folder, "folder")
        return cls(
            public_id=public_id,
            folder=folder,
            overwrite=_bool_field(fields, "overwrite", True),
            unique_filename=_bool_field(fields, "unique_filename", True),
            use_filename=_bool_field(fields, "use_filename", False),
        )

    def choose(self, filename: str, random_id: str) -> str:
        """The public id: given, or from the file name (``use_filename``), or the image's random id."""
        if self.public_id is not None:
            name = self.public_id
        elif self.use_filename and filename_stem(filename):
            name = filename_stem(filename)
            if self.unique_filename:
                name += "_" + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
        else:
            name = random_id
        return check_public_id(f"{self.folder}/{name}" if self.folder else name)


_REPLACED = re.compile(r"[?&#\\%<>+/]|[^\w\-. ]", re.UNICODE)


def filename_stem(filename: str) -> str:
    """A file name as a public id, as Cloudinary does: extension dropped, other special characters to '_'."""
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0] if "." in filename else filename
    return _REPLACED.sub("_", stem).strip(" _.")[:MAX_LENGTH - SUFFIX_LENGTH - 1]
