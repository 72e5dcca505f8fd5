"""What a finished render may publish: never an image deleted while it rendered, always the image
even when the cache cannot store it, and text overlays measured as Pango lays them out."""

from __future__ import annotations

import re
import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pyvips
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.services.renderer import cache_key
from imgorigin.transform.plan import parse
from imgorigin.transform.values import OutputFormat
from tests.helpers import TEST_URL_SECRET, register, services_of
from tests.security.appstate import MakeClient


def _user_id(client: TestClient, username: str) -> int:
    found = services_of(client).db.user_with_hash(username)
    assert found is not None
    return found[0].id


def _delete_during_render(client: TestClient, user_id: int, image_id: str) -> None:
    """The DELETE arrives after the pixels are computed and before the result is stored."""
    services = services_of(client)
    services.renderer.on_render = lambda *_: services.library.delete_image(user_id, image_id)


def test_an_image_deleted_during_its_render_is_not_published(make_client: MakeClient) -> None:
    client = make_client()
    account = register(client, "alice")
    image_id = account.upload("rocket.jpg")["id"]
    user_id = _user_id(client, "alice")
    _delete_during_render(client, user_id, image_id)
    path = signed_path(TEST_URL_SECRET, image_id, "w_100", "jpg")
    response = client.get(path)
    assert (response.status_code, response.text) == (404, "No such image\n")
    assert "immutable" not in response.headers["cache-control"]
    assert cache_key(image_id, parse("w_100"), OutputFormat.JPEG) not in services_of(client).cache
    assert client.get(path).status_code == 404  # and later: not served from the cache either


def test_an_overlay_deleted_during_the_render_is_not_published(make_client: MakeClient) -> None:
    client = make_client()
    account = register(client, "alice")
    base, logo = account.upload("rocket.jpg")["id"], account.upload("logo.png")["id"]
    user_id = _user_id(client, "alice")
    _delete_during_render(client, user_id, logo)
    transformation = f"w_200/l_{logo},w_50/fl_layer_apply"
    response = client.get(signed_path(TEST_URL_SECRET, base, transformation, "png"))
    assert (response.status_code, response.text) == (404, f"No such overlay image: l_{logo}\n")
    assert cache_key(base, parse(transformation), OutputFormat.PNG) not in services_of(client).cache


@contextmanager
def disk_full(max_bytes: int) -> Iterator[None]:
    """No file of this process may grow past ``max_bytes`` (EFBIG, as a full disk gives ENOSPC):
    a tiny filesystem, faked without privileges."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_render_the_cache_cannot_store_still_answers(make_client: MakeClient) -> None:
    client = make_client()
    image_id = register(client, "alice").upload("astronaut.png")["id"]
    big = signed_path(TEST_URL_SECRET, image_id, "w_480", "png")  # over 256 KB: a file of its own
    small = signed_path(TEST_URL_SECRET, image_id, "w_40", "png")  # inline in the cache's database
    with disk_full(16 * 1024):
        answers = [client.get(big), client.get(small)]
    for response, width in zip(answers, (480, 40), strict=True):
        assert response.status_code == 200, response.text
        assert response.headers["x-cache"] == "MISS"
        assert pyvips.Image.new_from_buffer(response.content, "").width == width
    assert client.get(big).headers["x-cache"] == "MISS"  # nothing was stored; now it is
    assert client.get(big).headers["x-cache"] == "HIT"


def test_every_line_break_pango_honours_counts(make_client: MakeClient) -> None:
    """12 lines by U+2028, U+2029 and NEL, 1100 px apart: the check saw one line 1100 px tall."""
    client = make_client()
    image_id = register(client, "alice").upload("rocket.jpg")["id"]
    text = "a\u2028" * 4 + "a\u2029" * 4 + "a\u0085" * 3 + "a"
    overlay = f"l_text:arial_500_line_spacing_500:{quote(quote(text, safe=''), safe='')}/fl_layer_apply"
    response = client.get(signed_path(TEST_URL_SECRET, image_id, overlay, "jpg"))
    assert (response.status_code, response.text) == (
        400, "The result would be 350x13200 pixels; the limit is 8192 per side and 40 megapixels\n")


def test_glyphs_wider_than_the_estimate_are_measured(make_client: MakeClient) -> None:
    """11 W at 1000 px: the estimate (0.7 em a character) says 7700 px wide; Pango draws 10900."""
    client = make_client()
    image_id = register(client, "alice").upload("rocket.jpg")["id"]
    response = client.get(signed_path(TEST_URL_SECRET, image_id, "l_text:arial_1000:WWWWWWWWWWW/fl_layer_apply", "jpg"))
    assert response.status_code == 400
    size = re.fullmatch(r"The result would be (\d+)x(\d+) pixels; the limit is 8192 per side and 40 megapixels\n",
                        response.text)
    assert size is not None, response.text
    assert 10_000 < int(size[1]) < 12_000 and 600 < int(size[2]) < 900  # drawn: 10877x729


def test_ordinary_text_still_renders(make_client: MakeClient) -> None:
    client = make_client()
    image_id = register(client, "alice").upload("rocket.jpg")["id"]
    for text in ("Hello\u2028world", "Caf\u00e9 cr\u00e8me", "x" * 60):
        overlay = f"l_text:arial_40:{quote(quote(text, safe=''), safe='')}/fl_layer_apply"
        response = client.get(signed_path(TEST_URL_SECRET, image_id, overlay, "png"))
        assert response.status_code == 200, (text, response.text)
        assert pyvips.Image.new_from_buffer(response.content, "").width == 640
