"""Reading a Cloudinary API call's parameters: query string, form (multipart or urlencoded) or JSON body.

The SDKs send the Upload API as multipart forms, the Admin API as JSON bodies (Python, recent Node) or
forms and query strings (older SDKs, PHP, Ruby, Java), with lists as ``key[]`` or ``key[0]``, ``key[1]``.
All of them end up here as one flat mapping of name to text or list of text, under caps: a parameter given
twice (also as text and as a list, or in both the query and the body) is refused, never merged, so a
signed value can never be shadowed by an unsigned one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from imgorigin.api.uploads import MULTIPART_OVERHEAD, capped, spool_file
from imgorigin.errors import BadRequest, PayloadTooLarge

MAX_PARAMS = 200
MAX_VALUE = 64 * 1024  # any one text value but ``file`` (a data URI may be as large as the upload)
MAX_LIST = 1000
MAX_BODY = 1024 * 1024  # bodies without a file
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]{0,63})(?:\[(\d{0,4})\])?$")
_TRUE, _FALSE = {"1", "true"}, {"0", "false"}

Value = str | list[str]


def bad(message: str, code: str = "invalid_parameter") -> BadRequest:
    return BadRequest(message, code=code)


@dataclass(frozen=True)
class FilePart:
    filename: str
    path: Path  # spooled; whoever consumes the params removes it (``Params.discard``)
    sha256: str


@dataclass(frozen=True)
class Params:
    values: dict[str, Value] = field(default_factory=dict)
    file: FilePart | None = None

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        if isinstance(value, list):
            raise bad(f"{name} must be a single value, not a list")
        return value

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name).strip().lower()
        if not raw:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise bad(f"{name} must be true or false")

    def items(self, name: str) -> list[str]:
        """A list parameter; a single value is a list of one."""
        value = self.values.get(name)
        if value is None or value == "":
            return []
        return value if isinstance(value, list) else [value]

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name)
        if not raw:
            return default
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
            raise bad(f"{name} must be an integer between {low} and {high}")
        return int(raw)

    def only(self, allowed: Iterable[str]) -> Params:
        """Refuse what this call does not know: an ignored parameter is a silent surprise."""
        unknown = sorted(set(self.values) - set(allowed))
        if unknown:
            raise bad("Unsupported parameter" + ("s" if len(unknown) > 1 else "") + " - " + ", ".join(unknown[:10]))
        return self

    def discard(self) -> None:
        if self.file is not None:
            self.file.path.unlink(missing_ok=True)


class _Collector:
    def __init__(self) -> None:
        self.values: dict[str, Value] = {}
        self.lists: set[str] = set()
        self.count = 0

    def add(self, raw_key: str, value: Any, *, limit: int = MAX_VALUE) -> None:
        self.count += 1
        if self.count > MAX_PARAMS:
            raise bad(f"Too many parameters: at most {MAX_PARAMS}")
        match = _KEY.match(raw_key)
        if match is None:
            raise bad(f"Invalid parameter name {raw_key[:64]!r}")
        key, index = match.group(1), match.group(2)
        if index is not None or isinstance(value, list):
            items = value if isinstance(value, list) else [value]
            if key in self.values and key not in self.lists:
                raise bad(f"Parameter {key} given more than once")
            if index is None and key in self.lists:
                raise bad(f"Parameter {key} given more than once")
            self.lists.add(key)
            current = self.values.setdefault(key, [])
            assert isinstance(current, list)
            current.extend(_scalar(key, item, limit) for item in items)
            if len(current) > MAX_LIST:
                raise bad(f"{key}: at most {MAX_LIST} values")
            return
        if key in self.values:
            raise bad(f"Parameter {key} given more than once")
        if value is None:
            return
        self.values[key] = _scalar(key, value, limit)


def _scalar(key: str, value: Any, limit: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise bad(f"{key} must be text, a number or a boolean")
    if len(value) > limit:
        raise bad(f"{key} is longer than {limit} characters")
    if "\x00" in value:
        raise bad(f"{key} may not contain NUL characters")
    return value


async def read_params(request: Request, *, upload_limit: int = 0, spool_dir: Path | None = None) -> Params:
    """Every parameter of the call. With ``upload_limit``, a multipart ``file`` part (spooled to
    ``spool_dir``) or a ``file`` text value (a URL or data URI) of up to that many bytes is accepted."""
    collected = _Collector()
    for key, value in request.query_params.multi_items():
        collected.add(key, value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # A data URI is a third longer than the bytes it carries.
    body_limit = upload_limit * 4 // 3 + MULTIPART_OVERHEAD if upload_limit else MAX_BODY
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > body_limit:
        raise _too_large(upload_limit)
    stream = capped(request.stream(), body_limit - MULTIPART_OVERHEAD)
    file: FilePart | None = None
    try:
        if content_type == "multipart/form-data":
            file = await _multipart(request, stream, collected, upload_limit, spool_dir)
        elif content_type == "application/x-www-form-urlencoded":
            form = await FormParser(request.headers, stream).parse()
            for key, field_value in form.multi_items():
                collected.add(key, field_value, limit=_limit_for(key, upload_limit))
        elif content_type == "application/json":
            await _json(stream, collected, upload_limit)
        else:
            async for chunk in stream:
                if chunk:
                    raise bad("Send parameters as multipart/form-data, a urlencoded form or JSON",
                              code="unsupported_body")
    except PayloadTooLarge:
        raise _too_large(upload_limit) from None
    except ClientDisconnect:
        raise bad("The client went away during the request", code="client_disconnected") from None
    except BaseException:
        if file is not None:
            file.path.unlink(missing_ok=True)
        raise
    return Params(collected.values, file)


def _limit_for(key: str, upload_limit: int) -> int:
    return upload_limit * 4 // 3 + 1024 if key == "file" and upload_limit else MAX_VALUE


def _too_large(upload_limit: int) -> PayloadTooLarge:
    if upload_limit:
        return PayloadTooLarge(f"File size too large. Maximum is {upload_limit}.", code="upload_too_large")
    return PayloadTooLarge(f"The request body is larger than {MAX_BODY} bytes", code="body_too_large")


async def _multipart(request: Request, stream: Any, collected: _Collector, upload_limit: int,
                     spool_dir: Path | None) -> FilePart | None:
    parser = MultiPartParser(request.headers, stream, max_files=1 if upload_limit else 0,
                             max_fields=MAX_PARAMS, max_part_size=_limit_for("file", upload_limit))
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise bad(f"Malformed multipart body: {exc.message}", code="bad_multipart") from None
    file: FilePart | None = None
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "file" or spool_dir is None:
                    raise bad(f"Unexpected file part {key[:64]!r}: only 'file' may carry bytes")
                if "file" in collected.values:
                    raise bad("Parameter file given more than once")
                path, sha256 = await anyio.to_thread.run_sync(spool_file, value.file, spool_dir, upload_limit)
                file = FilePart(value.filename or "", path, sha256)
                collected.values["file"] = ""  # present (for duplicate checks), never signed
            else:
                if key == "file" and file is not None:
                    raise bad("Parameter file given more than once")
                collected.add(key, value, limit=_limit_for(key, upload_limit))
        return file
    except BaseException:
        if file is not None:
            file.path.unlink(missing_ok=True)
        raise
    finally:
        await form.close()


async def _json(stream: Any, collected: _Collector, upload_limit: int) -> None:
    body = b""
    async for chunk in stream:
        body += chunk
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        raise bad("The body must be JSON", code="invalid_json") from None
    except RecursionError:
        raise bad("The JSON body is nested too deeply", code="invalid_json") from None
    if not isinstance(data, dict):
        raise bad("The JSON body must be an object", code="invalid_json")
    for key, value in data.items():
        if isinstance(value, list) and any(isinstance(item, list | dict) for item in value):
            raise bad(f"{key}: a list of text, numbers or booleans was expected")
        collected.add(key, value, limit=_limit_for(key, upload_limit))
