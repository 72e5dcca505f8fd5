"""The SVG gate (only used with IMGORIGIN_ALLOW_SVG): self-contained drawings pass, anything that
reaches outside the document is refused, however it is spelled."""

from __future__ import annotations

import pytest

from imgorigin.errors import UnsupportedMediaType
from imgorigin.transform.svg import MAX_SVG_BYTES, check_svg

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{}</svg>'
PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

SAFE = {
    "shapes": '<rect width="10" height="10" fill="#0f0"/><circle cx="5" cy="5" r="2" style="fill:red"/>',
    "gradient": '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs><rect fill="url(#g)"/>',
    "use": '<defs><rect id="r" width="2" height="2"/></defs><use href="#r"/><use xlink:href="#r" x="4"/>',
    "inline image": f'<image href="{PIXEL}" width="10" height="10"/>',
    "style element": "<style>rect { fill: url( '#g' ); stroke: blue }</style><rect/>",
    "text": "<text>a &lt; b &#169; 2024</text>",
}
UNSAFE = {
    "script": "<script>alert(1)</script>",
    "namespaced script": '<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>',
    "event handler": '<rect onclick="alert(1)"/>',
    "remote image": '<image href="https://example.com/a.png"/>',
    "file image": '<image xlink:href="file:///etc/passwd"/>',
    "other prefix": '<image xmlns:q="http://www.w3.org/1999/xlink" q:href="/etc/passwd"/>',
    "entity-spelled href": '<image href="&#104;ttp://169.254.169.254/"/>',
    "css url": '<rect style="fill:url(http://example.com/a.svg#p)"/>',
    "char-ref css url": '<rect style="fill:u&#114;l(http://example.com/a.svg#p)"/>',
    "css escape": '<rect style="fill:\\75rl(http://example.com/a.svg#p)"/>',
    "import": "<style>@import url(https://example.com/x.css);</style>",
    "presentation attribute": '<rect filter="url(https://example.com/f.svg#f)"/>',
    "foreign object": "<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>x</div></foreignObject>",
    "xinclude": '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>',
}


@pytest.mark.parametrize("body", list(SAFE.values()), ids=list(SAFE))
def test_self_contained_drawings_pass(body: str) -> None:
    check_svg(SVG.format(body).encode())


@pytest.mark.parametrize("body", list(UNSAFE.values()), ids=list(UNSAFE))
def test_anything_reaching_out_is_refused(body: str) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        check_svg(SVG.format(body).encode())
    assert refused.value.code == "unsafe_svg"


@pytest.mark.parametrize("document", [
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
    b'<?xml-stylesheet href="https://example.com/x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
    b"<svg " + b"a" * (MAX_SVG_BYTES + 1),
], ids=["doctype", "stylesheet", "not well formed", "too big"])
def test_documents_refused_before_or_at_parsing(document: bytes) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        check_svg(document)
    assert refused.value.code == "unsafe_svg"
