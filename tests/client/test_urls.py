"""The URL helper for backends: keyword options -> signed URLs and srcsets the server accepts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.client.urls import UrlBuilder, component, transformation
from imgorigin.errors import InvalidTransformation
from tests.helpers import TEST_URL_SECRET, Account

URLS = UrlBuilder(TEST_URL_SECRET)


def test_keyword_options_map_to_the_url_letters() -> None:
    assert component(width=300, crop="fill", gravity="auto", effect="grayscale") == (
        "c_fill,e_grayscale,g_auto,w_300"
    )
    assert component(crop_mode="pad", aspect_ratio="16:9", background="blue", width=400) == (
        "ar_16:9,b_blue,c_pad,w_400"
    )
    assert component(dpr=2.0, w=100, effect=("sepia", 40), quality="auto:eco") == (
        "dpr_2.0,e_sepia:40,q_auto:eco,w_100"
    )
    assert component(width=0.5, height=None) == "w_0.5"  # a float is a fraction; None is left out
    assert component(radius="max", mode="fit", w=10) == "c_fit,r_max,w_10"  # a name's last word


def test_chained_steps_and_presets() -> None:
    assert transformation({"width": 300}, "e_grayscale", {"quality": 80}) == "w_300/e_grayscale/q_80"
    assert transformation("t_thumb", {"effect": "sepia"}) == "t_thumb/e_sepia"


def test_unknown_option_and_bad_value_are_refused() -> None:
    with pytest.raises(TypeError, match="unknown transformation option 'widht'"):
        component(widht=300)
    with pytest.raises(InvalidTransformation, match=r"^Invalid w_-5: expected an integer between 1 and"):
        URLS.build("abc", width=-5)
    with pytest.raises(InvalidTransformation, match=r"g_ needs c_fill"):
        URLS.build("abc", width=300, gravity="north")


def test_format_becomes_the_extension_except_auto() -> None:
    assert URLS.build("abc", width=10, format="webp").endswith("/w_10/abc.webp")
    assert URLS.build("abc", width=10, format="auto").endswith("/f_auto,w_10/abc.jpg")
    assert URLS.build("abc").endswith("/t/" + URLS.url("abc").split("/t/")[1])


def _size(client: TestClient, url: str) -> tuple[int, int, str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    image = pyvips.Image.new_from_buffer(response.content, "")
    return image.width, image.height, response.headers["content-type"]


def test_built_urls_are_signed_and_served(client: TestClient, alice: Account) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    url = UrlBuilder(TEST_URL_SECRET, "http://testserver").build(
        image_id, width=300, height=200, crop="fill", gravity="auto", effect="grayscale", format="webp"
    )
    assert url.startswith("http://testserver/t/s--") and "/c_fill,e_grayscale,g_auto,h_200,w_300/" in url
    assert _size(client, url) == (300, 200, "image/webp")


def test_srcset_scales_the_height_with_each_width(client: TestClient, alice: Account) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    srcset = URLS.srcset(image_id, [120, 240], crop="fill", width=300, height=200, format="png")
    entries = [entry.rsplit(" ", 1) for entry in srcset.split(", ")]
    assert [descriptor for _, descriptor in entries] == ["120w", "240w"]
    assert [_size(client, url) for url, _ in entries] == [(120, 80, "image/png"), (240, 160, "image/png")]


def test_img_tag_is_responsive_and_escaped(client: TestClient, alice: Account) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    tag = URLS.img_tag(image_id, [160, 320], alt='Launch "pad" <39A>', sizes="(max-width: 600px) 100vw, 320px",
                       crop="fill", width=300, height=200, format="webp")
    parser = _Attributes()
    parser.feed(tag)
    attributes = parser.found
    assert attributes["alt"] == 'Launch "pad" <39A>' and "<39A>" not in tag  # escaped in the markup
    assert (attributes["width"], attributes["height"]) == ("300", "200")
    assert attributes["sizes"] == "(max-width: 600px) 100vw, 320px"
    assert _size(client, attributes["src"]) == (300, 200, "image/webp")
    entries = [entry.rsplit(" ", 1) for entry in attributes["srcset"].split(", ")]
    assert [_size(client, url)[:2] for url, _ in entries] == [(160, 107), (320, 213)]


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag == "img"
        self.found = {name: value or "" for name, value in attrs}
