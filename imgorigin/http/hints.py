"""Client hints: reading them from a request, the ``Accept-CH`` that asks for them, the ``Vary`` they cause.

``transform/autosize.py`` decides what ``w_auto`` and ``dpr_auto`` become; this module only turns request
headers into checked numbers. A hint that is not one plain positive number (negative, ``NaN``, ``1e9``,
text, too long, several values) counts as absent, as RFC 8941 says of a field that fails to parse: the
URL's fallback, never an error. The delivery plane reads them; the playground page asks for them.
"""

from __future__ import annotations

import math
import re

from starlette.datastructures import Headers

from imgorigin.transform.responsive import Hints

# The current names first, then the ones Chromium sent before them (same meaning, same units).
WIDTH = ("Sec-CH-Width", "Width")  # device pixels the image occupies
VIEWPORT_WIDTH = ("Sec-CH-Viewport-Width", "Viewport-Width")  # CSS pixels
DPR = ("Sec-CH-DPR", "DPR")
ACCEPT_CH = "Sec-CH-Width, Sec-CH-DPR, Sec-CH-Viewport-Width, Width, DPR, Viewport-Width"

_NUMBER = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
MAX_WIDTH_HINT = 1e6  # past any screen; the resolved width is capped at the largest side anyway
MAX_DPR_HINT = 16.0  # no screen has more; the ratio is capped at dpr_'s own limit anyway


def _number(headers: Headers, names: tuple[str, ...], ceiling: float) -> float | None:
    """The first of ``names`` that holds one usable number. A header sent twice is one list of two
    values (RFC 9110), which no hint allows: it counts as absent, as ``300, 400`` does."""
    for name in names:
        values = headers.getlist(name)
        if not values:
            continue
        text = values[0].strip() if len(values) == 1 else ""
        if _NUMBER.fullmatch(text):
            value = float(text)
            if 0 < value <= ceiling:
                return value
    return None


def read_hints(headers: Headers, max_side: int) -> Hints:
    """Widths past ``max_side`` are clamped to it: the resolved width is capped there anyway."""
    width = _number(headers, WIDTH, MAX_WIDTH_HINT)
    viewport = _number(headers, VIEWPORT_WIDTH, MAX_WIDTH_HINT)
    return Hints(
        width=None if width is None else min(max_side, math.ceil(width)),
        viewport_width=None if viewport is None else min(max_side, math.ceil(viewport)),
        dpr=_number(headers, DPR, MAX_DPR_HINT),
    )


def vary(width: bool, dpr: bool, negotiated: bool) -> str | None:
    """Every request header a response can depend on, whether this request sent it or not: the hints of
    w_auto (``width``) and dpr_auto (``dpr``), Accept for f_auto (``negotiated``)."""
    names = ["Accept"] if negotiated else []
    if width:  # the viewport width counts in CSS pixels, times the DPR hint
        names += [*WIDTH, *VIEWPORT_WIDTH, *DPR]
    elif dpr:
        names += list(DPR)
    return ", ".join(names) or None
