"""``f_auto``: the best format the browser accepts, from its ``Accept`` header."""

from __future__ import annotations

from imgorigin.transform.values import OutputFormat


def negotiate(accept: str) -> tuple[OutputFormat | None, str]:
    """(format, cache variant). None means JPEG, or PNG if the image has alpha: decided at render."""
    lowered = accept.lower()
    if "image/avif" in lowered:
        return OutputFormat.AVIF, "auto:avif"
    if "image/webp" in lowered:
        return OutputFormat.WEBP, "auto:webp"
    return None, "auto:other"
