"""The JSON transform API's filters: each maps to its e_ component, renders, and names the field on errors."""

from __future__ import annotations

from typing import Any

import pytest
import pyvips

from tests.helpers import Account


def transform(alice: Account, image_id: str, filters: dict[str, Any], **extra: Any) -> Any:
    return alice.client.post(
        f"/images/{image_id}/transform",
        headers=alice.headers,
        json={"transformations": {"filters": filters, **extra}},
    )


@pytest.fixture
def image_id(alice: Account) -> str:
    return str(alice.upload("chelsea.png")["id"])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"blur": True}, "e_blur"),
        ({"blur": 300}, "e_blur:300"),
        ({"sharpen": 150}, "e_sharpen:150"),
        ({"unsharp_mask": True}, "e_unsharp_mask"),
        ({"pixelate": 12}, "e_pixelate:12"),
        ({"brightness": -30}, "e_brightness:-30"),
        ({"contrast": 40}, "e_contrast:40"),
        ({"saturation": -100}, "e_saturation:-100"),
        ({"gamma": 50}, "e_gamma:50"),
        ({"negate": True}, "e_negate"),
        ({"blackwhite": 60}, "e_blackwhite:60"),
        ({"vignette": 30}, "e_vignette:30"),
        ({"trim": 5}, "e_trim:5"),
        ({"colorize": "red"}, "co_rgb:ff0000,e_colorize:100"),
        ({"colorize": {"color": "rgb:00f", "level": 40}}, "co_rgb:0000ff,e_colorize:40"),
        ({"remove_background": False}, ""),
        ({"negate": False, "grayscale": True}, "e_grayscale"),
    ],
)
def test_each_filter_becomes_its_effect(alice: Account, image_id: str, filters: dict[str, Any], expected: str) -> None:
    response = transform(alice, image_id, filters, format="png")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transformation"] == (f"{expected}/f_png" if expected else "f_png")
    if "trim" not in filters:
        assert (body["width"], body["height"]) == (451, 300)


def test_filters_render_what_they_say(alice: Account, image_id: str) -> None:
    response = transform(alice, image_id, {"negate": True, "pixelate": 10}, format="png")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transformation"] == "e_negate/e_pixelate:10/f_png"
    url = body["url"].split("://", 1)[-1]
    rendered = pyvips.Image.new_from_buffer(alice.client.get(url[url.index("/t/"):]).content, "")
    original = pyvips.Image.new_from_file("tests/fixtures/chelsea.png")
    # Negated, then 10x10 blocks: the first block is the inverse of the original's first block mean.
    block_mean = original.crop(0, 0, 10, 10).avg()
    assert abs(rendered.crop(0, 0, 10, 10).avg() - (255 - block_mean)) < 1
    assert all(rendered.crop(0, 0, 10, 10)[band].deviate() == 0 for band in range(3))


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"blur": 0}, "transformations.filters.blur: expected an integer between 1 and 2000"),
        ({"blur": "soft"}, "transformations.filters.blur: expected an integer between 1 and 2000"),
        ({"brightness": -100}, "transformations.filters.brightness: expected an integer between -99 and 100"),
        ({"contrast": 101}, "transformations.filters.contrast: expected an integer between -100 and 100"),
        ({"pixelate": 500}, "transformations.filters.pixelate: expected an integer between 1 and 200"),
        ({"gamma": -51}, "transformations.filters.gamma: expected an integer between -50 and 150"),
        ({"negate": 1}, "transformations.filters.negate: expected true or false"),
        ({"remove_background": "yes"}, "transformations.filters.remove_background: expected true or false"),
        ({"colorize": "nope"}, "transformations.filters.colorize: expected a colour name or rgb:RRGGBB"),
        (
            {"colorize": {"color": "red", "level": 101}},
            "transformations.filters.colorize.level: expected an integer between 0 and 100",
        ),
        (
            {"colorize": {"colour": "red"}},
            "transformations.filters.colorize.colour: unknown field (allowed: color, level)",
        ),
        ({"glow": True}, "transformations.filters.glow: unknown field"),
    ],
)
def test_bad_filter_values_are_400_naming_the_field(
    alice: Account, image_id: str, filters: dict[str, Any], message: str
) -> None:
    response = transform(alice, image_id, filters)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_transformation_body"
    assert error["message"].startswith(message)
