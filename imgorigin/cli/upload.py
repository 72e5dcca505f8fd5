"""``imgorigin upload``: files and folders through the API, with a progress bar, skipping what is there.

Files already uploaded are recognised by content hash (``GET /images?sha256=``) and never sent again.
Files over the server's upload limit (``GET /capabilities``) are refused here, before a byte is sent.
``--json`` prints one machine-readable map of every path to what became of it on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from imgorigin.cli.remote import add_command, logged_in
from imgorigin.client.api import Api
from imgorigin.client.profiles import ClientError
from imgorigin.client.progress import Progress, human_bytes

# In folders only files that look like images are sent; a file named explicitly is always sent.
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".tif", ".tiff", ".heic", ".heif",
                  ".jxl", ".svg", ".bmp"}


def collect(paths: list[str]) -> dict[Path, Path]:
    """Files named, and image files found in folders named (recursively, hidden ones left out), each with
    the folder it was found under (a file named directly: its own folder)."""
    found: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ):
                found.setdefault(file, path)
        elif path.is_file():
            found.setdefault(path, path.parent)
        else:
            raise ClientError(f"{raw}: no such file or folder")
    return found


# Characters Cloudinary refuses in a public id, replaced as it does for use_filename.
_NOT_IN_PUBLIC_IDS = re.compile(r"[?&#\\%<>+]|[^\w\-. ]", re.UNICODE)


def public_id_from_path(file: Path, root: Path) -> str:
    """``trips/paris/eiffel`` for ``<root>/trips/paris/eiffel.jpg``: folders kept, extension dropped."""
    parts = [*file.relative_to(root).parent.parts, file.stem]
    cleaned = [_NOT_IN_PUBLIC_IDS.sub("_", part).strip(" ") for part in parts]
    return "/".join(part for part in cleaned if part not in ("", ".", ".."))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class CountingReader:
    """A file whose reads report how far they got: httpx streams the multipart body from it."""

    def __init__(self, handle: BinaryIO, on_read: Callable[[int], None]) -> None:
        self._handle = handle
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._on_read(self._handle.tell())
        return data

    def fileno(self) -> int:
        return self._handle.fileno()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()


class ContentClaims:
    """Which file of this run uploads which content: two copies of one photo in a folder upload once."""

    def __init__(self) -> None:
        self._owners: dict[str, Path] = {}
        self._lock = threading.Lock()

    def claim(self, digest: str, path: Path) -> Path | None:
        """None if ``path`` now owns ``digest``, else the file that already does."""
        with self._lock:
            owner = self._owners.setdefault(digest, path)
        return None if owner == path else owner


def _outcome(status: str, image: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    found = {"id": image["id"], "public_id": image.get("public_id")} if image else {}
    return {"status": status, **found, **extra}


class Uploader:
    def __init__(self, api: Api, progress: Progress, *, eager: str = "", max_bytes: int | None = None) -> None:
        self.api = api
        self.progress = progress
        self.eager = eager
        self.max_bytes = max_bytes
        self.claims = ContentClaims()

    def one(self, path: Path, naming: dict[str, str] | None = None) -> dict[str, Any]:
        """What became of ``path`` (``naming``: the upload's public_id/folder fields); raises ClientError
        with a one-line reason on failure."""
        size = path.stat().st_size
        if self.max_bytes is not None and size > self.max_bytes:
            self.progress.advance(size)
            raise ClientError(f"{human_bytes(size)} is over the server's upload limit of {human_bytes(self.max_bytes)}")
        digest = sha256_of(path)
        twin = self.claims.claim(digest, path)
        if twin is not None:
            self.progress.advance(size)
            self.progress.file_done(f"skipped   {path}  (same content as {twin})")
            return _outcome("skipped", same_as=str(twin))
        found = self.api.call("GET", "/images", params={"sha256": digest})["items"]
        if found:
            self.progress.advance(size)
            self.progress.file_done(f"skipped   {path}  (already uploaded as {found[0]['id']})")
            return _outcome("skipped", found[0])
        sent = 0

        def on_read(position: int) -> None:
            nonlocal sent
            if position > sent:  # a retry reads the file again from the start: count each byte once
                self.progress.advance(position - sent)
                sent = position

        try:
            with path.open("rb") as handle:
                body = CountingReader(handle, on_read)
                fields = {**(naming or {}), **({"eager": self.eager} if self.eager else {})}
                image = self.api.call("POST", "/images", rewind=lambda: handle.seek(0), data=fields or None,
                                      files={"file": (path.name, body, "application/octet-stream")})
        except ClientError:
            self.progress.advance(size - sent)
            raise
        shape = f"{image['width']}x{image['height']} {image['format']}"
        self.progress.file_done(f"uploaded  {path}  -> {image['id']} ({shape})")
        extra = {"eager": [entry["url"] for entry in image["eager"]]} if image.get("eager") else {}
        return _outcome("uploaded", image, **extra)


def _upload_limit(api: Api) -> int | None:
    """The server's upload cap, or None from a server too old to say (it then answers 413 itself)."""
    try:
        answer = api.call("GET", "/capabilities")
    except ClientError:
        return None
    limit = answer.get("max_upload_bytes") if isinstance(answer, dict) else None
    return limit if isinstance(limit, int) else None


def _naming(args: argparse.Namespace, path: Path, root: Path) -> dict[str, str]:
    fields = {"folder": args.folder} if args.folder else {}
    if args.public_id_from_path:
        fields["public_id"] = public_id_from_path(path, root)
    return fields


def cmd_upload(args: argparse.Namespace) -> int:
    api = logged_in(args)
    found = collect(args.paths)
    files = list(found)
    if not files:
        raise ClientError("no image files found")
    progress = Progress(sys.stderr, sum(f.stat().st_size for f in files), len(files))
    uploader = Uploader(api, progress, eager=args.eager or "", max_bytes=_upload_limit(api))
    results: dict[str, dict[str, Any]] = {}
    failures: list[str] = []

    def work(path: Path) -> None:
        try:
            results[str(path)] = uploader.one(path, _naming(args, path, found[path]))
        except (ClientError, OSError) as exc:
            progress.file_done(f"FAILED    {path}  {exc}")
            failures.append(f"{path}: {exc}")
            results[str(path)] = _outcome("failed", error=str(exc))

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(work, files))
    progress.finish()
    counts = {status: sum(r["status"] == status for r in results.values()) for status in ("uploaded", "skipped")}
    summary = (f"{counts['uploaded']} uploaded, {counts['skipped']} skipped (already uploaded), "
               f"{len(failures)} failed")
    if args.json:
        print(json.dumps({str(path): results[str(path)] for path in files}, indent=2))
        print(summary, file=sys.stderr)
    else:
        print(summary)
    for failure in failures:
        print(f"  failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    upload = add_command(sub, "upload", cmd_upload, "upload files and folders; skips what is already uploaded")
    upload.add_argument("paths", nargs="+", metavar="PATH")
    upload.add_argument("--jobs", "-j", type=int, default=4, choices=range(1, 17), metavar="N",
                        help="uploads at once (1-16, default 4)")
    upload.add_argument("--json", action="store_true",
                        help="print {path: {status, id, public_id, ...}} as JSON on stdout (summary on stderr)")
    upload.add_argument("--folder", help="put the images in this folder: their public ids start with it")
    upload.add_argument("--public-id-from-path", action="store_true",
                        help="public id = the path under the folder given, without extension: "
                             "'upload ~/Pictures' sends trips/paris/eiffel for ~/Pictures/trips/paris/eiffel.jpg")
    upload.add_argument("--eager", metavar="SPEC",
                        help="derivatives to render right after each upload, '|'-separated, each with an optional "
                             "format: 'c_fill,w_400,h_300/webp|w_1200.avif' (docs/operations.md)")
