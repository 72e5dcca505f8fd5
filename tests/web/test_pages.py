"""The pages and their static files, through the real app: types, headers, and nothing inline for the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.effects.registry import EFFECTS, parse_effect
from tests.helpers import AppClient, make_settings

WEB = Path(__file__).resolve().parents[2] / "imgorigin" / "web"


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_pages_are_html_under_the_strict_csp(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_csp_lets_pages_load_images_from_the_public_url(tmp_path: Path) -> None:
    """Signed URLs point at IMGORIGIN_PUBLIC_URL: thumbnails and previews load from its origin."""
    settings = make_settings(tmp_path, public_url="http://127.0.0.1:8443/cdn")
    with AppClient(settings) as client:
        csp = client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["img-src"] == "'self' http://127.0.0.1:8443 data: blob:"
    assert directives["connect-src"] == "'self' http://127.0.0.1:8443"
    assert directives["script-src"] == "'self'"


def test_without_a_public_url_the_csp_is_same_origin(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: blob:;" in csp and "connect-src 'self';" in csp


@pytest.mark.parametrize("page", ["index.html", "docs.html"])
def test_pages_carry_no_inline_script_or_style(page: str) -> None:
    html = (WEB / page).read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"<[^>]*\son[a-z]+=", html) == []  # no inline event handlers either


def test_static_files_have_their_types_and_are_revalidated(client: TestClient) -> None:
    for name in sorted(p.relative_to(WEB).as_posix() for p in WEB.rglob("*.js")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        # Module scripts with nosniff load only with a JavaScript type.
        assert response.headers["content-type"].startswith("text/javascript"), name
        assert response.headers["cache-control"] == "no-cache"
        assert "etag" in response.headers
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/nope.js").status_code == 404


def test_every_effect_has_a_builder_control() -> None:
    options = (WEB / "js" / "options.js").read_text()
    # Blend modes exist only with an overlay: they are choices of the watermark's blend select.
    missing = [name for name in EFFECTS if f'effect("{name}")' not in options
               and not (name in BLEND_MODES and f'"{name}"' in options)]
    assert missing == [], f"add a line to imgorigin/web/js/options.js for: {missing}"


# A number control of the effects group: [min, max, step], then its token, which names the effect.
_EFFECT_NUMBER = re.compile(r'number\("\w+", "[^"]*", "effects", \[(-?\d+), (-?\d+), 1\], .*effect\("(\w+)"\)')


def test_each_effect_number_control_spans_what_the_server_accepts() -> None:
    """The browser checks min and max before the server does: they are the effect's own bounds."""
    options = (WEB / "js" / "options.js").read_text()
    controls = [(found[3], int(found[1]), int(found[2])) for found in _EFFECT_NUMBER.finditer(options)]
    assert len(controls) == len(re.findall(r'number\("\w+", "[^"]*", "effects"', options)) >= 19
    for name, low, high in controls:
        assert [parse_effect(f"{name}:{value}").canonical() for value in (low, high)] == [f"{name}:{low}", f"{name}:{high}"]
        for outside in (low - 1, high + 1):
            with pytest.raises(ValueError, match=f"after e_{name}:"):
                parse_effect(f"{name}:{outside}")
