"""The gate in front of libvips' SVG loader, used only when ``IMGORIGIN_ALLOW_SVG`` is on.

An SVG is a document, not pixels: it can declare entities (XXE, billion laughs), include other files
(``xi:include``, which librsvg processes), pull in stylesheets (``<?xml-stylesheet?>``, ``@import``),
reference URLs (``href``, CSS ``url()``) and carry scripts. librsvg runs no scripts and fetches nothing
over the network, but it resolves local references relative to the file, and a stored SVG is served
back on download. So anything that is not a self-contained drawing is refused before librsvg sees it.

The checks run on the parsed document (character references such as ``u&#114;l(`` are resolved by
then, so they cannot hide a ``url(``), after a byte-level refusal of DOCTYPEs, which is also what
keeps the parser itself safe from entity expansion. CSS escapes (``\\75rl(``) are refused outright.
The declared size then goes through the same pixel caps as any other image.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from imgorigin.errors import UnsupportedMediaType

MAX_SVG_BYTES = 2 * 1024 * 1024

_BEFORE_PARSING = re.compile(rb"<!DOCTYPE|<!ENTITY|<\?xml-stylesheet", re.IGNORECASE)
_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "include", "audio", "video", "handler"}
_CSS_URL = re.compile(r"url\(\s*[\"']?\s*([^\"')]*)", re.IGNORECASE)


def _local(reference: str) -> bool:
    reference = reference.strip().lower()
    return reference.startswith("#") or reference.startswith("data:image/")


def _css_is_safe(text: str) -> bool:
    lowered = text.lower()
    if "\\" in text or "@import" in lowered:
        return False
    return all(_local(found) for found in _CSS_URL.findall(text))


def _name(qualified: str) -> str:
    """``{namespace}local`` or ``prefix:local`` -> ``local``, lower case."""
    return qualified.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _safe(element: ElementTree.Element) -> bool:
    for node in element.iter():
        if not isinstance(node.tag, str) or _name(node.tag) in _ELEMENTS:
            return False
        if _name(node.tag) == "style" and not _css_is_safe("".join(node.itertext())):
            return False
        for attribute, value in node.attrib.items():
            name = _name(attribute)
            if name.startswith("on") or (name == "href" and not _local(value)):
                return False
            if not _css_is_safe(value):  # style="", fill="url(...)", filter="url(...)"...
                return False
    return True


def check_svg(data: bytes) -> None:
    """Refuse (415) an SVG that is not a self-contained drawing; see the module docstring."""
    if len(data) > MAX_SVG_BYTES:
        raise UnsupportedMediaType(f"SVG files are accepted up to {MAX_SVG_BYTES} bytes", code="unsafe_svg")
    refused = UnsupportedMediaType(
        "SVG with scripts, entities, includes or external references is not accepted", code="unsafe_svg"
    )
    if _BEFORE_PARSING.search(data):
        raise refused
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise refused from None
    if not _safe(root):
        raise refused
