"""Conditional GET: does an ``If-None-Match`` header name the representation (RFC 9110, 13.1.2)?"""

from __future__ import annotations

import re

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, in a comma-separated list (a comma may sit inside quotes;
# empty elements are allowed and ignored, RFC 9110 5.6.1.2)
_LIST_ITEM = re.compile(r'[ \t]*(?:(?:W/)?("[\x21\x23-\x7e\x80-\xff]*"))?[ \t]*(?:,|\Z)')


def none_match(header: str | None, etag: str) -> bool:
    """True when ``header`` is ``*`` or lists an entity tag equal to ``etag`` under weak comparison
    (``W/`` ignored on both sides). A malformed header matches nothing: the full answer is always safe."""
    if header is None:
        return False
    if header.strip(" \t") == "*":
        return True
    opaque = etag.removeprefix("W/")
    position, end = 0, len(header)
    while position < end:
        item = _LIST_ITEM.match(header, position)
        if item is None:
            return False
        if item.group(1) == opaque:
            return True
        position = item.end()
    return False
