"""``/<cloud>/image/fetch/[<transformations>/]<remote URL>``: a remote image, fetched once and stored.

The remote URL stands as Cloudinary's SDKs escape it (``?`` as ``%3F``...) and is decoded once. The
fetched bytes pass the checks of an upload (type sniffed by libvips, caps, a full decode) and are stored
as an original named by a hash of (cloud, URL, content); the account's published state maps the URL to
it, so every render node and every derivative uses the one copy. After ``IMGORIGIN_FETCH_REFRESH``
seconds the next request fetches it again (and keeps serving the old copy if the remote fails).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from imgorigin.blob import Blob
from imgorigin.clouds.remote import check_url, spool
from imgorigin.clouds.state import Pointer, Published, Publisher
from imgorigin.config import Settings
from imgorigin.delivery.cloud import UNVERSIONED, CloudDelivery, output_format_of
from imgorigin.delivery.cloudpath import CloudPath
from imgorigin.errors import BadRequest, ImgOriginError
from imgorigin.services.slots import RenderSlots
from imgorigin.state.cache import DerivedCache
from imgorigin.storage import Storage, original_key
from imgorigin.transform.source import SourceLimits, read_header, verify_decodes

log = logging.getLogger("imgorigin.fetch")

FETCH_NAME = "\nfetch\n"  # prefix of a fetched URL's entry among the public ids: no public id holds "\n"
_COLLAPSED = re.compile(r"^(https?):/+(?!/)")


class Flights:
    """One fetch per remote URL at a time in this process: the others wait for it and reuse its result."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    @asynccontextmanager
    async def one(self, cloud: str, url: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault((cloud, url), asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._locks.get((cloud, url)) is lock:
                del self._locks[(cloud, url)]


def remote_url(raw: str) -> str:
    try:
        url = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("The remote URL is not valid UTF-8 once decoded", code="invalid_fetch_url") from None
    # Proxies merge "//" into "/" (nginx's merge_slashes): https:/host/x is https://host/x.
    return _COLLAPSED.sub(lambda m: f"{m[1]}://", url, count=1)


@dataclass(frozen=True)
class Fetcher:
    """Remote images of this node's accounts: fetched within the fetch settings, checked in a render slot,
    stored as originals, published as the account's fetch pointers."""

    settings: Settings
    source_limits: SourceLimits
    storage: Storage
    cache: DerivedCache
    published: Published
    publisher: Publisher
    slots: RenderSlots
    flights: Flights = field(default_factory=Flights, init=False)

    def _store(self, cloud: str, url: str, old: Pointer | None) -> Pointer:
        """Download, check like an upload, store; runs in a render slot's thread."""
        settings = self.settings
        path, digest = spool(url, settings.fetch_allowed_hosts, settings.data_dir / "tmp", "fetch-",
                             settings.fetch_max_bytes, settings.fetch_timeout)
        try:
            blob = Blob(path=path)
            header = read_header(blob, self.source_limits)
            verify_decodes(blob, header, timeout=settings.render_timeout)
            image_id = hashlib.sha256(f"{cloud}\0{url}\0{digest}".encode()).hexdigest()[:32]
            if not self.storage.exists(original_key(image_id)):
                self.storage.put(original_key(image_id), path)
        finally:
            path.unlink(missing_ok=True)
        pointer = Pointer(image_id, int(time.time()), header.format)
        self.publisher.pointer(cloud, FETCH_NAME + url, pointer)
        if old is not None and old.image_id != image_id:  # the remote image changed: drop the old copy
            self.storage.delete(original_key(old.image_id))
            self.cache.evict_image(old.image_id)
        return pointer

    async def fetched(self, cloud: str, url: str) -> Pointer:
        """The stored copy of ``url``, fetched now if there is none or it is older than the refresh period."""
        refresh = self.settings.fetch_refresh
        pointer = await anyio.to_thread.run_sync(self.published.pointer, cloud, FETCH_NAME + url)
        if pointer is not None and time.time() - pointer.version < refresh:
            return pointer
        async with self.flights.one(cloud, url):
            self.published.forget_pointer(cloud, FETCH_NAME + url)
            current = await anyio.to_thread.run_sync(self.published.pointer, cloud, FETCH_NAME + url)
            if current is not None and time.time() - current.version < refresh:
                return current
            try:
                return await self.slots.run(self._store, cloud, url, current)
            except ImgOriginError as exc:
                if current is None or exc.status < 500:
                    raise
                log.warning("refreshing %s failed (%s); serving the stored copy", url, exc.message)
                return current

    async def deliver(self, request: Request, delivery: CloudDelivery, url: CloudPath) -> Response:
        policy = delivery.authorize(request, url)
        remote = remote_url(url.rest)
        check_url(remote, self.settings.fetch_allowed_hosts)  # refused before any other work
        plan, default_id = await delivery.plan(url.transformation)
        try:
            pointer = await self.fetched(delivery.cloud, remote)
        except ImgOriginError as exc:
            default = await delivery.pointer(default_id) if default_id is not None and exc.status == 404 else None
            if default is None:
                raise
            pointer = default
        extension = output_format_of(pointer.format)
        return await delivery.layouts.responder.serve(request, pointer.image_id, plan, extension, UNVERSIONED,
                                                       delivery.on_miss(request, policy, pointer.image_id))
