"""The gate in front of libvips' SVG loader, used only when ``IMGORIGIN_ALLOW_SVG`` is on.

An SVG is a document, not pixels: it can declare entities (XXE, billion laughs), include other files
(``xi:include``), reference URLs (``href``, CSS ``url()``/``@import``) and carry scripts. The renderer
(librsvg) runs no scripts and fetches nothing over the network, but it resolves local references
relative to the file, and a stored SVG is served back on download. So anything that is not a
self-contained drawing is refused before librsvg sees it: no DOCTYPE or entity, no XInclude, no
script or ``foreignObject``, no reference other than an in-document ``#fragment`` or an inline
``data:image/...``. The declared size then goes through the same pixel caps as any other image.
"""

from __future__ import annotations

import re

from imgorigin.errors import UnsupportedMediaType

MAX_SVG_BYTES = 2 * 1024 * 1024

_FORBIDDEN = re.compile(
    rb"<!DOCTYPE|<!ENTITY|XInclude|<\s*(?:[\w-]+:)?(?:script|foreignObject|iframe|embed|object)\b|@import"
    rb"|\bon[a-z]+\s*=",
    re.IGNORECASE,
)
_HREF = re.compile(rb"""\b(?:xlink:)?href\s*=\s*["']\s*([^"']*)["']""", re.IGNORECASE)
_CSS_URL = re.compile(rb"""url\(\s*["']?\s*([^"')]*)""", re.IGNORECASE)


def _local(reference: bytes) -> bool:
    reference = reference.strip().lower()
    return reference.startswith(b"#") or reference.startswith(b"data:image/")


def check_svg(data: bytes) -> None:
    """Refuse (415) an SVG that is not a self-contained drawing; see the module docstring."""
    refused = UnsupportedMediaType(
        "SVG with scripts, entities, includes or external references is not accepted", code="unsafe_svg"
    )
    if len(data) > MAX_SVG_BYTES:
        raise UnsupportedMediaType(f"SVG files are accepted up to {MAX_SVG_BYTES} bytes", code="unsafe_svg")
    if _FORBIDDEN.search(data):
        raise refused
    for pattern in (_HREF, _CSS_URL):
        if not all(_local(found) for found in pattern.findall(data)):
            raise refused
