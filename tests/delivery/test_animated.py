"""Animated GIFs through the real app: kept animated, f_auto keeps them animated, pg_ picks a frame."""

from __future__ import annotations

import pytest
import pyvips
from starlette.testclient import TestClient

from tests.helpers import Account, signed

COLOURS = ([255, 0, 0], [0, 255, 0], [0, 0, 255])


@pytest.fixture
def gif_id(alice: Account) -> str:
    frames = [pyvips.Image.black(80, 60).new_from_image(colour).copy(interpretation="srgb") for colour in COLOURS]
    strip = pyvips.Image.arrayjoin(frames, across=1).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", 60)
    strip.set_type(pyvips.GValue.array_int_type, "delay", [100, 100, 100])
    uploaded = alice.upload("rgb.gif", data=bytes(strip.write_to_buffer(".gif")))
    assert uploaded["pages"] == 3
    return str(uploaded["id"])


def frames(content: bytes) -> tuple[int, int, int]:
    image = pyvips.Image.new_from_buffer(content, "", n=-1)
    pages = int(image.get("n-pages")) if image.get_typeof("n-pages") else 1
    return pages, image.width, image.height // pages


def test_gif_stays_animated_through_fill(client: TestClient, gif_id: str) -> None:
    response = client.get(signed("c_fill,w_40,h_40", f"{gif_id}.gif"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert frames(response.content) == (3, 40, 40)


def test_f_auto_keeps_an_animation_animated(client: TestClient, gif_id: str) -> None:
    url = signed("c_scale,w_40,f_auto", f"{gif_id}.gif")
    answers = {
        accept: client.get(url, headers={"Accept": accept})
        for accept in ("image/avif,image/webp,*/*", "image/webp,*/*", "*/*")
    }
    types = [answer.headers["content-type"] for answer in answers.values()]
    assert types == ["image/webp", "image/webp", "image/gif"]
    assert all(answer.headers["vary"] == "Accept" for answer in answers.values())
    assert all(frames(answer.content) == (3, 40, 30) for answer in answers.values())


def test_still_format_gets_the_first_frame_and_pg_another(client: TestClient, gif_id: str) -> None:
    first = pyvips.Image.new_from_buffer(client.get(signed("", f"{gif_id}.jpg")).content, "")
    assert (first.width, first.height) == (80, 60)
    assert first(40, 30)[0] > 200 and first(40, 30)[1] < 60
    second = client.get(signed("pg_2", f"{gif_id}.png"))
    image = pyvips.Image.new_from_buffer(second.content, "")
    assert (image.width, image.height) == (80, 60)
    assert image(40, 30)[1] > 200 and image(40, 30)[0] < 60


def test_page_past_the_end_is_a_plain_400(client: TestClient, gif_id: str) -> None:
    response = client.get(signed("pg_9", f"{gif_id}.png"))
    assert response.status_code == 400
    assert response.text == "Invalid pg_9: the image has 3 frame(s)\n"
