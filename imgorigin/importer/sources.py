"""Where an import reads from: a folder tree, a CSV/JSON list, or another Cloudinary-compatible account."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from imgorigin.importer.client import Api, ApiError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".tif", ".tiff", ".heic", ".heif",
                  ".jxl", ".svg", ".bmp"}


@dataclass(frozen=True)
class Item:
    public_id: str
    origin: str  # a path or URL, for the report
    read: Callable[[], bytes]
    filename: str
    etag: str = ""  # what the source reports for the content, when it is an account: skips without a download


def from_folder(root: Path) -> Iterator[Item]:
    """``photos/2024/cat.jpg`` under ``root`` -> public id ``photos/2024/cat``; in a stable (sorted) order."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # .git, .thumbnails and the like are not part of a library
        relative = path.relative_to(root).with_suffix("").as_posix()
        yield Item(relative, str(path), path.read_bytes, path.name)


def _fetcher(url: str) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            response = httpx.get(url, timeout=60.0, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot download {url}: {exc}") from None
        if response.status_code != 200:
            raise ApiError(f"cannot download {url}: HTTP {response.status_code}", response.status_code)
        return response.content

    return read


def _entry(public_id: object, where: object, base: Path, line: int) -> Item:
    if not isinstance(public_id, str) or not public_id.strip() or not isinstance(where, str) or not where.strip():
        raise ValueError(f"entry {line}: expected a public_id and a url or path")
    where = where.strip()
    if where.startswith(("http://", "https://")):
        return Item(public_id.strip(), where, _fetcher(where), where.rsplit("/", 1)[-1].split("?")[0] or "image")
    path = (base / where).resolve() if not Path(where).is_absolute() else Path(where)
    return Item(public_id.strip(), str(path), path.read_bytes, path.name)


def from_list(path: Path) -> Iterator[Item]:
    """A CSV (``public_id,url`` or ``public_id,path`` rows; a header row is recognised) or a JSON list of
    ``{"public_id": ..., "url": ...}`` / ``{"public_id": ..., "path": ...}``; relative paths are read from
    the list's folder."""
    base = path.resolve().parent
    if path.suffix.lower() == ".json":
        entries = json.loads(path.read_text())
        if not isinstance(entries, list):
            raise ValueError(f"{path}: expected a JSON list of objects")
        for line, entry in enumerate(entries, 1):
            if not isinstance(entry, dict):
                raise ValueError(f"entry {line}: expected an object")
            yield _entry(entry.get("public_id"), entry.get("url") or entry.get("path"), base, line)
        return
    with path.open(newline="") as handle:
        for line, row in enumerate(csv.reader(handle), 1):
            if not row or (line == 1 and row[0].strip().lower() == "public_id"):
                continue
            if len(row) < 2:
                raise ValueError(f"line {line}: expected public_id,url or public_id,path")
            yield _entry(row[0], row[1], base, line)


def from_account(source: Api) -> Iterator[Item]:
    """Every image of another account, as the originals it stores."""
    for resource in source.resources():
        public_id = str(resource["public_id"])
        fmt = str(resource.get("format") or "")
        name = public_id.rsplit("/", 1)[-1] + (f".{fmt}" if fmt else "")

        def read(resource: dict[str, object] = resource) -> bytes:
            return source.original(resource)

        yield Item(public_id, str(resource.get("secure_url") or public_id), read, name, str(resource.get("etag") or ""))
