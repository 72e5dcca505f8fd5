"""``f_auto``: the best format the browser accepts, from its ``Accept`` header."""

from __future__ import annotations

from imgorigin.transform.values import AutoFormat


def negotiate(accept: str) -> AutoFormat:
    lowered = accept.lower()
    if "image/avif" in lowered:
        return AutoFormat.AVIF
    if "image/webp" in lowered:
        return AutoFormat.WEBP
    return AutoFormat.OTHER
