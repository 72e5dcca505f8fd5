"""HeaderMemo: an original's header read once per worker, the least recently used dropped past the bound."""

from __future__ import annotations

import anyio

from imgorigin.services.headers import HeaderMemo
from imgorigin.transform.source import Header


def test_a_header_is_read_once_and_the_least_recently_used_goes_first() -> None:
    reads: list[str] = []

    def read(image_id: str) -> Header:
        reads.append(image_id)
        return Header("jpeg", len(reads) * 100, 50, 1, False, 1)

    memo = HeaderMemo(read, size=2)

    async def run() -> list[int]:
        return [(await memo.get(image_id)).width for image_id in ("a", "b", "a", "c", "a", "b")]

    # a, b read; a remembered (and now the most recent); c pushes b out; a still there; b read again.
    assert anyio.run(run) == [100, 200, 100, 300, 100, 400]
    assert reads == ["a", "b", "c", "b"]
