"""GET /images/{id}: dominant colours, BlurHash and placeholder, computed at upload."""

from __future__ import annotations

import base64

import blurhash as reference
import numpy as np
import pytest
import pyvips

from imgorigin.info.blurhash import encode
from imgorigin.info.palette import dominant_colors
from tests.helpers import Account


def png(image: pyvips.Image) -> bytes:
    return bytes(image.write_to_buffer(".png"))


def half_red_half_blue(width: int = 200, height: int = 100) -> pyvips.Image:
    red = pyvips.Image.black(width // 2, height).new_from_image([255, 0, 0])
    blue = pyvips.Image.black(width - width // 2, height).new_from_image([0, 0, 255])
    return red.join(blue, "horizontal").copy(interpretation="srgb")


def test_dominant_colours_of_a_half_red_half_blue_image(alice: Account) -> None:
    uploaded = alice.upload("halves.png", data=png(half_red_half_blue()))
    info = alice.client.get(f"/images/{uploaded['id']}", headers=alice.headers).json()
    colours = info["colors"]
    assert [c["color"] for c in colours[:2]] in (["#ff0000", "#0000ff"], ["#0000ff", "#ff0000"])
    assert colours[0]["share"] == pytest.approx(0.5, abs=0.03)
    assert colours[1]["share"] == pytest.approx(0.5, abs=0.03)
    assert sum(c["share"] for c in colours) == pytest.approx(1.0, abs=0.01)


def test_blurhash_decodes_to_the_image(alice: Account) -> None:
    uploaded = alice.upload("halves.png", data=png(half_red_half_blue()))
    info = alice.client.get(f"/images/{uploaded['id']}", headers=alice.headers).json()
    text = info["blurhash"]
    assert len(text) == 1 + 1 + 4 + 2 * (4 * 3 - 1)  # 4x3 components for a landscape image
    decoded = np.asarray(reference.decode(text, 40, 20), dtype=np.float64)
    left, right = decoded[:, :10].mean(axis=(0, 1)), decoded[:, 30:].mean(axis=(0, 1))
    assert left[0] > 150 and left[2] < 110  # red on the left
    assert right[2] > 150 and right[0] < 110  # blue on the right


def test_placeholder_is_a_tiny_webp_of_the_image(alice: Account) -> None:
    uploaded = alice.upload("halves.png", data=png(half_red_half_blue()))
    info = alice.client.get(f"/images/{uploaded['id']}", headers=alice.headers).json()
    prefix = "data:image/webp;base64,"
    assert info["placeholder"].startswith(prefix)
    data = base64.b64decode(info["placeholder"][len(prefix):])
    assert len(data) < 400
    image = pyvips.Image.new_from_buffer(data, "")
    assert (image.width, image.height) == (16, 8)
    assert image(1, 4)[0] > 150 and image(14, 4)[2] > 150


def test_listing_carries_the_summary_too(alice: Account) -> None:
    alice.upload("chelsea.png")
    item = alice.client.get("/images", headers=alice.headers).json()["items"][0]
    assert len(item["colors"]) == 5
    assert all(c["color"].startswith("#") and len(c["color"]) == 7 for c in item["colors"])
    assert len(item["blurhash"]) == 28


def test_transparent_pixels_do_not_count_as_colours(alice: Account) -> None:
    green = pyvips.Image.black(100, 100).new_from_image([0, 200, 0, 255]).copy(interpretation="srgb")
    clear = pyvips.Image.black(100, 100).new_from_image([255, 0, 255, 0]).copy(interpretation="srgb")
    uploaded = alice.upload("alpha.png", data=png(green.join(clear, "horizontal")))
    info = alice.client.get(f"/images/{uploaded['id']}", headers=alice.headers).json()
    assert info["colors"] == [{"color": "#00c800", "share": 1.0}]


def test_encoder_matches_the_reference_implementation() -> None:
    rng = np.random.default_rng(7)
    for (height, width), (cx, cy) in [((12, 16), (4, 3)), ((20, 9), (3, 4)), ((5, 5), (1, 1)), ((30, 40), (9, 9))]:
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        assert encode(pixels, cx, cy) == reference.encode(pixels.tolist(), cx, cy)


def test_palette_finds_a_small_distinct_accent() -> None:
    pixels = np.array([[30, 30, 30]] * 950 + [[250, 200, 0]] * 50, dtype=np.uint8)
    assert dominant_colors(pixels) == [("#1e1e1e", 0.95), ("#fac800", 0.05)]
