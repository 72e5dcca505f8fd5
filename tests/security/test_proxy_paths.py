"""Paths a proxy in front would rewrite before keying its cache (``%2F..%2F``, ``.`` segments, backslashes)
are refused by the origin on every path that signs or serves a URL; what Cloudinary's grammar needs stays.

The attack through a real nginx is in ``test_nginx_edge.py``.
"""

from __future__ import annotations

import io

import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.delivery.url import split
from imgorigin.errors import BadRequest
from imgorigin.security import refuse_proxy_rewrites
from imgorigin.transform.layers import escape_text
from imgorigin.transform.plan import parse
from tests.helpers import TEST_URL_SECRET, Account, photo

DOT_IN_TEXT = ("Once %2F is decoded, this text layer makes an empty, '.' or '..' path segment that proxies "
               "rewrite: escape '/' in text as %252F")
DOT_SEGMENT = "A '.' or '..' segment in the URL (proxies resolve it)"
OUTSIDE_TEXT = "An encoded '/' or '\\' (%2F, %5C) belongs only in the text of a text layer"
BACKSLASH = "A backslash in the URL: browsers turn it into '/'; in a text layer write it as %255C"

REFUSED = [
    ("w_300/l_text:arial_1:x%2F..%2F..%2F..%2Fs--AAAAAAAA--%2Fc_scale%2Cw_100", DOT_IN_TEXT),
    ("l_text:arial_20:a%2F.%2Fb", DOT_IN_TEXT),
    ("l_text:arial_20:a%5C..%5Cb", DOT_IN_TEXT),
    ("l_text:arial_20:a%2f%2fb", DOT_IN_TEXT),  # merged into one '/' by nginx's merge_slashes
    ("l_text:arial_20:end%2F/w_100", DOT_IN_TEXT),  # "end//w_100" once decoded
    ("w_100/%2e%2E", DOT_SEGMENT),
    ("%2E/w_100", DOT_SEGMENT),
    ("w_100%2Fe_sepia", OUTSIDE_TEXT),
    ("c_scale,w_100%5c", OUTSIDE_TEXT),
    ("l_text:arial_20:a,w_100%2F", OUTSIDE_TEXT),
    ("l_text:arial_20:a\\b", BACKSLASH),
]


@pytest.mark.parametrize(("transformation", "message"), REFUSED)
def test_delivery_refuses_what_a_proxy_would_rewrite(client: TestClient, alice: Account, transformation: str,
                                                      message: str) -> None:
    image = alice.upload("rocket.jpg")
    response = client.get(signed_path(TEST_URL_SECRET, image["id"], transformation, "jpg"))
    assert (response.status_code, response.text) == (400, message + "\n")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-imgorigin-error"] == "bad_request"


@pytest.mark.parametrize("path", ["s--AAAAAAAA--/w_100/../abc.jpg", "./abc.jpg", "w_100/./v1/abc.jpg"])
def test_literal_dot_segments_are_refused_too(path: str) -> None:
    """HTTP clients resolve these before sending (httpx does); a raw request line can still carry them."""
    with pytest.raises(BadRequest) as refused:
        split(path)
    assert refused.value.message == DOT_SEGMENT


@pytest.mark.parametrize(("transformation", "message"), REFUSED)
def test_sign_refuses_what_delivery_would(client: TestClient, alice: Account, transformation: str,
                                          message: str) -> None:
    image = alice.upload("rocket.jpg")
    response = client.post("/sign", headers=alice.headers,
                           json={"items": [{"id": image["id"], "transformation": transformation}]})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_transformation",
                                        "message": f"items[0].transformation: {message}"}


def test_eager_refuses_what_delivery_would(client: TestClient, alice: Account) -> None:
    response = client.post("/images", headers=alice.headers, data={"eager": "w_100|l_text:arial_9:x%2F..%2Fy/png"},
                           files={"file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_eager", "message": f"eager[1]: {DOT_IN_TEXT}"}
    assert client.get("/images", headers=alice.headers).json()["total"] == 0


@pytest.mark.parametrize("text", ["1%2F2", "a%252F..%252Fb", "%252F%252F", "a%255Cb", "50%2525"])
def test_slashes_in_text_still_render(client: TestClient, alice: Account, text: str) -> None:
    """A single-escaped '/' inside text is common in the wild; Cloudinary's double escape always works."""
    image = alice.upload("rocket.jpg")
    response = client.get(signed_path(TEST_URL_SECRET, image["id"], f"l_text:arial_40:{text}/w_200", "png"))
    assert response.status_code == 200, response.text
    assert pyvips.Image.new_from_buffer(response.content, "").width == 200


def test_a_watermark_text_with_dot_segments_gives_a_url_that_delivers(client: TestClient, alice: Account) -> None:
    """The transform API writes text with escape_text: '/' and '\\' are double-escaped, never resolved."""
    image = alice.upload("rocket.jpg")
    response = client.post(f"/images/{image['id']}/transform", headers=alice.headers, json={
        "transformations": {"resize": {"width": 200}, "watermark": {"text": "../../a\\..//b/.", "size": 20}},
    })
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert "%252F..%252F" in url and "%255C" in url
    delivered = client.get(url.removeprefix("http://testserver"))
    assert delivered.status_code == 200, delivered.text


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and all(ord(c) >= 32 for c in t)))
def test_any_escaped_text_passes_the_proxy_check_and_reads_back(text: str) -> None:
    transformation = f"l_text:arial_20:{escape_text(text)}/w_100"
    refuse_proxy_rewrites(transformation)
    overlay = parse(transformation).components[0].overlay
    assert overlay is not None and getattr(overlay.source, "text", None) == text
