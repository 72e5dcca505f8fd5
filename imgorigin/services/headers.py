"""Originals' headers, remembered per worker: an original never changes under its id, and expressions
and ``w_auto`` (capped at the original's width) are resolved from its header on every request, hits
included, before the cache key."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import anyio.to_thread

from imgorigin.transform.source import Header

HEADER_CACHE = 4096  # headers remembered per worker


class HeaderMemo:
    """A bounded LRU of headers, read and written on the event loop only. A hit costs no thread hop
    (the hop alone costs a hinted hit about a third of its CPU: bench/hints_cost.py); a miss reads
    storage in a thread with ``read``."""

    def __init__(self, read: Callable[[str], Header], size: int = HEADER_CACHE) -> None:
        self.read = read
        self.size = size
        self._headers: OrderedDict[str, Header] = OrderedDict()  # least recently used first

    async def get(self, image_id: str) -> Header:
        header = self._headers.get(image_id)
        if header is not None:
            self._headers.move_to_end(image_id)
            return header
        header = await anyio.to_thread.run_sync(self.read, image_id)
        self._headers[image_id] = header
        if len(self._headers) > self.size:
            self._headers.popitem(last=False)
        return header
