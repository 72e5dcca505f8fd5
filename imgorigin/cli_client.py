"""Client commands of ``imgorigin``: ``login``, ``upload``, ``ls``, ``url``. They talk HTTP to a server.

Nothing here imports the server's internals, so the commands work against any imgorigin server. The
token is kept in ``$IMGORIGIN_CONFIG_DIR/credentials.json`` (default ``~/.config/imgorigin``), mode 0600.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from imgorigin.progress import Progress, human_bytes

DEFAULT_SERVER = "http://127.0.0.1:8080"
# In folders only files that look like images are sent; a file named explicitly is always sent.
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".tif", ".tiff", ".heic", ".heif",
                  ".jxl", ".svg", ".bmp"}
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class ClientError(Exception):
    """A failure to explain to the person at the terminal, in one line."""


def config_dir() -> Path:
    explicit = os.environ.get("IMGORIGIN_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "imgorigin"


def load_credentials() -> dict[str, str]:
    try:
        data = json.loads((config_dir() / "credentials.json").read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        path = config_dir() / "credentials.json"
        raise ClientError(f"{path} is not valid JSON; run imgorigin login") from None
    return {k: v for k, v in data.items() if isinstance(v, str)}


def save_credentials(values: dict[str, str]) -> Path:
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / "credentials.json"
    temporary = path.with_suffix(".tmp")
    # Created 0600 from the start: the token must never be readable by others, not even briefly.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


@dataclass
class Api:
    server: str
    token: str = ""

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.Client(base_url=self.server.rstrip("/"), headers=headers, timeout=TIMEOUT)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(f"cannot reach {self.server}: {exc}") from None
        if response.status_code >= 400:
            raise ClientError(_error_message(response))
        return response.json() if response.content else None


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        message = f"{error['message']} ({response.status_code} {error['code']})"
    except (ValueError, KeyError, TypeError):
        message = f"HTTP {response.status_code}: {response.text[:200]}"
    if response.status_code == 401 and "login" not in response.request.url.path:
        message += "; run imgorigin login"
    return message


def server_of(args: argparse.Namespace, saved: dict[str, str]) -> str:
    return args.server or os.environ.get("IMGORIGIN_SERVER") or saved.get("server") or DEFAULT_SERVER


def logged_in(args: argparse.Namespace) -> Api:
    saved = load_credentials()
    server = server_of(args, saved)
    if not saved.get("token"):
        raise ClientError("not logged in: run imgorigin login")
    if saved.get("server", server).rstrip("/") != server.rstrip("/"):
        raise ClientError(f"the saved token is for {saved['server']}; run imgorigin login --server {server}")
    return Api(server, saved["token"])


def cmd_login(args: argparse.Namespace) -> int:
    server = server_of(args, load_credentials())
    username = args.username or input("Username: ")
    password = args.password or os.environ.get("IMGORIGIN_PASSWORD") or getpass.getpass("Password: ")
    answer = Api(server).call("POST", "/register" if args.register else "/login",
                              json={"username": username, "password": password})
    username = answer["user"]["username"]
    path = save_credentials({"server": server, "username": username, "token": answer["token"]})
    verb = "registered and logged in" if args.register else "logged in"
    print(f"{verb} as {username} on {server} (token saved to {path})")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    path = config_dir() / "credentials.json"
    # The token stays valid until it expires (JWTs are not revoked); forgetting it is what a client can do.
    path.unlink(missing_ok=True)
    print(f"logged out (removed {path})")
    return 0


def collect(paths: list[str]) -> list[Path]:
    """Files named, and image files found in folders named (recursively, hidden ones left out)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ))
        elif path.is_file():
            found.append(path)
        else:
            raise ClientError(f"{raw}: no such file or folder")
    return list(dict.fromkeys(found))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class CountingReader:
    """A file whose reads report their size: httpx streams the multipart body from it."""

    def __init__(self, handle: BinaryIO, on_read: Callable[[int], None]) -> None:
        self._handle = handle
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._on_read(len(data))
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


def upload_one(api: Api, path: Path, progress: Progress, claims: ContentClaims) -> str:
    """'uploaded' or 'skipped'; raises ClientError with the server's message on failure."""
    size = path.stat().st_size
    digest = sha256_of(path)
    twin = claims.claim(digest, path)
    if twin is not None:
        progress.advance(size)
        progress.file_done(f"skipped   {path}  (same content as {twin})")
        return "skipped"
    found = api.call("GET", "/images", params={"sha256": digest})
    if found["items"]:
        progress.advance(size)
        progress.file_done(f"skipped   {path}  (already uploaded as {found['items'][0]['id']})")
        return "skipped"
    sent = 0

    def on_read(count: int) -> None:
        nonlocal sent
        sent += count
        progress.advance(count)

    try:
        with path.open("rb") as handle:
            body = CountingReader(handle, on_read)
            image = api.call("POST", "/images", files={"file": (path.name, body, "application/octet-stream")})
    except ClientError:
        progress.advance(size - sent)
        raise
    shape = f"{image['width']}x{image['height']} {image['format']}"
    progress.file_done(f"uploaded  {path}  -> {image['id']} ({shape})")
    return "uploaded"


def cmd_upload(args: argparse.Namespace) -> int:
    api = logged_in(args)
    files = collect(args.paths)
    if not files:
        raise ClientError("no image files found")
    progress = Progress(sys.stderr, sum(f.stat().st_size for f in files), len(files))
    counts = {"uploaded": 0, "skipped": 0, "failed": 0}
    failures: list[str] = []
    claims = ContentClaims()

    def work(path: Path) -> str:
        try:
            return upload_one(api, path, progress, claims)
        except (ClientError, OSError) as exc:
            progress.file_done(f"FAILED    {path}  {exc}")
            failures.append(f"{path}: {exc}")
            return "failed"

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for outcome in pool.map(work, files):
            counts[outcome] += 1
    progress.finish()
    print(f"{counts['uploaded']} uploaded, {counts['skipped']} skipped (already uploaded), "
          f"{counts['failed']} failed")
    for failure in failures:
        print(f"  failed: {failure}", file=sys.stderr)
    return 1 if counts["failed"] else 0


def _all_images(api: Api) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        answer = api.call("GET", "/images", params={"page": page, "limit": 100})
        yield from answer["items"]
        if page >= answer["pages"]:
            return
        page += 1


def cmd_ls(args: argparse.Namespace) -> int:
    images = list(_all_images(logged_in(args)))
    if args.json:
        print(json.dumps(images, indent=2))
        return 0
    rows = [("ID", "SIZE", "BYTES", "FORMAT", "CREATED", "FILENAME")]
    rows += [(i["id"], f"{i['width']}x{i['height']}", human_bytes(i["bytes"]), i["format"],
              i["created_at"][:19].replace("T", " "), i["filename"]) for i in images]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    print(f"{len(images)} image{'s' if len(images) != 1 else ''}", file=sys.stderr)
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    api = logged_in(args)
    failed = 0
    for image_id in args.ids:
        try:
            api.call("DELETE", f"/images/{image_id}")
        except ClientError as exc:
            failed += 1
            print(f"imgorigin: {image_id}: {exc}", file=sys.stderr)
            continue
        print(f"deleted {image_id}")
    return 1 if failed else 0


_PIXELS = re.compile(r"^([wh])_(\d+)$")


def at_width(transformation: str, width: int) -> str:
    """The transformation resized to ``width`` in its last component that sizes (else in a new one).

    A pixel height is scaled to keep the shape; any other height is dropped, since an srcset entry is
    described by its width alone.
    """
    components = transformation.split("/") if transformation else []
    sizing = [i for i, c in enumerate(components) if any(t.startswith(("w_", "h_")) for t in c.split(","))]
    if not sizing:
        return "/".join([*components, f"w_{width}"])
    index = sizing[-1]
    tokens = components[index].split(",")
    pixels = {m[1]: int(m[2]) for t in tokens if (m := _PIXELS.match(t))}
    tokens = [t for t in tokens if not t.startswith(("w_", "h_"))]
    if "w" in pixels and "h" in pixels:
        tokens.append(f"h_{max(1, round(pixels['h'] * width / pixels['w']))}")
    components[index] = ",".join([*tokens, f"w_{width}"])
    return "/".join(components)


def cmd_url(args: argparse.Namespace) -> int:
    api = logged_in(args)
    transformation = "" if args.transformation in ("", "-") else args.transformation
    base: dict[str, str] = {"id": args.id}
    if args.format:
        base["format"] = args.format
    if not args.srcset:
        answer = api.call("POST", "/sign", json={"items": [{**base, "transformation": transformation}]})
        print(answer["items"][0]["url"])
        return 0
    try:
        widths = [int(w) for w in args.srcset.split(",")]
    except ValueError:
        raise ClientError("--srcset: expected pixel widths separated by commas, e.g. 320,640,1280") from None
    items = [{**base, "transformation": at_width(transformation, w)} for w in widths]
    answer = api.call("POST", "/sign", json={"items": items})
    print(", ".join(f"{item['url']} {w}w" for item, w in zip(answer["items"], widths, strict=True)))
    return 0


def _friendly(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except ClientError as exc:
            print(f"imgorigin: {exc}", file=sys.stderr)
            return 1

    return run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help)
        parser.add_argument(
            "--server", help=f"server URL (default: $IMGORIGIN_SERVER, the saved one, else {DEFAULT_SERVER})"
        )
        parser.set_defaults(func=_friendly(func))
        return parser

    login = add("login", cmd_login, "log in to a server and save the token")
    login.add_argument("--username", "-u")
    login.add_argument("--password", help="(default: $IMGORIGIN_PASSWORD, else a prompt)")
    login.add_argument("--register", action="store_true", help="create the account first")

    add("logout", cmd_logout, "forget the saved token")

    upload = add("upload", cmd_upload, "upload files and folders; skips what is already uploaded")
    upload.add_argument("paths", nargs="+", metavar="PATH")
    upload.add_argument("--jobs", "-j", type=int, default=4, choices=range(1, 17), metavar="N",
                        help="uploads at once (1-16, default 4)")

    ls = add("ls", cmd_ls, "list your images")
    ls.add_argument("--json", action="store_true", help="print the API's JSON")

    rm = add("rm", cmd_rm, "delete images (their URLs stop working)")
    rm.add_argument("ids", nargs="+", metavar="ID")

    url = add("url", cmd_url, "a signed URL (or srcset) from the server, for one of your images")
    url.add_argument("id")
    url.add_argument("transformation", help="e.g. c_fill,w_400,h_300/e_grayscale ('' or - for none)")
    url.add_argument("--format", help="output format / extension (default: the original's)")
    url.add_argument("--srcset", help="widths, e.g. 320,640,1280: prints an srcset value")
