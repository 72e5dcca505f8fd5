"""Receiving a multipart upload: streamed to disk under a size cap, hashed on the way."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from imgorigin.errors import BadRequest, PayloadTooLarge

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file itself


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The upload is larger than {limit} bytes", code="upload_too_large")


async def capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """The body, cut off with 413 once it exceeds the file cap plus the multipart framing around it."""
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit + MULTIPART_OVERHEAD:
            raise too_large(limit)  # the cap people configured, not the internal budget
        yield chunk


@dataclass(frozen=True)
class Upload:
    filename: str  # as the client named it: metadata only
    path: Path  # the received bytes, spooled in ``spool_dir``; the caller owns (and removes) the file
    sha256: str
    fields: dict[str, str]  # the text fields sent alongside (e.g. ``eager``)


def spool_file(source: BinaryIO, spool_dir: Path, limit: int) -> tuple[Path, str]:
    """Copy the parsed file part into ``spool_dir`` (same filesystem as the originals: the store is a
    rename), hashing it on the way; off the event loop, since it is up to the whole upload's bytes."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=spool_dir, prefix="upload-")
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            source.seek(0)
            while chunk := source.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), digest.hexdigest()


async def receive_upload(request: Request, limit: int, spool_dir: Path) -> Upload:
    """The file field ``file`` spooled to disk under the size cap, and the text fields beside it."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("Send the image as multipart/form-data with a field named 'file'", code="not_multipart")
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise too_large(limit)
    parser = MultiPartParser(
        request.headers, capped(request.stream(), limit), max_files=1, max_fields=20
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"Malformed multipart body: {exc.message}", code="bad_multipart") from None
    except ClientDisconnect:
        raise BadRequest("The client went away during the upload", code="client_disconnected") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("The multipart body needs a file field named 'file'", code="missing_file")
        path, sha256 = await anyio.to_thread.run_sync(spool_file, upload.file, spool_dir, limit)
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        return Upload(upload.filename or "", path, sha256, fields)
    finally:
        await form.close()
