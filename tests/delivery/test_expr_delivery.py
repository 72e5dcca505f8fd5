"""Variables, arithmetic and conditions through GET /t/ and Cloudinary's layout (built by its own SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.clouds.cloudkit import Cloud, make_cloud
from tests.delivery.test_delivery import dims, signed
from tests.helpers import Account


@pytest.fixture
def rocket(alice: Account) -> str:
    return str(alice.upload("rocket.jpg")["id"])  # 640x427, landscape


@pytest.fixture
def tall(alice: Account) -> str:
    response = alice.client.get(signed("a_90", f"{alice.upload('rocket.jpg')['id']}.png"))
    assert response.status_code == 200
    return str(alice.upload("tall.png", data=response.content)["id"])  # 427x640, portrait


def test_arithmetic_renders_and_shares_the_cache_entry_of_its_value(client: TestClient, rocket: str) -> None:
    first = client.get(signed("w_iw_div_2", f"{rocket}.png"))
    assert first.status_code == 200, first.text
    assert dims(first.content) == (320, 214)
    assert first.headers["x-cache"] == "MISS"
    plain = client.get(signed("w_320", f"{rocket}.png"))
    assert plain.headers["x-cache"] == "HIT"
    assert plain.headers["etag"] == first.headers["etag"]
    variable = client.get(signed("$half_iw_mul_0.5/w_$half", f"{rocket}.png"))
    assert variable.headers["x-cache"] == "HIT"
    assert client.get(signed("w_iw_div_2", f"{rocket}.png"), headers={"If-None-Match": first.headers["etag"]}
                      ).status_code == 304


def test_the_running_size_follows_the_chain(client: TestClient, rocket: str) -> None:
    response = client.get(signed("c_fill,w_400,h_100/c_pad,w_w,h_w,b_black", f"{rocket}.png"))
    assert response.status_code == 200, response.text
    assert dims(response.content) == (400, 400)


@pytest.mark.parametrize(("transformation", "landscape", "portrait"), [
    ("if_ar_gt_1/c_fill,w_200,h_100/if_else/c_fill,w_100,h_200/if_end", (200, 100), (100, 200)),
    ("if_w_gt_500,w_300/c_scale,h_ih_div_4", (161, 107), (107, 160)),
    ("if_iw_gt_500_and_ih_gt_500/w_10/if_else/if_ar_lt_1/w_20/if_end/if_end", (640, 427), (20, 30)),
])
def test_conditions_pick_components_from_the_source(
    client: TestClient, rocket: str, tall: str, transformation: str, landscape: tuple[int, int],
    portrait: tuple[int, int],
) -> None:
    for image_id, size in ((rocket, landscape), (tall, portrait)):
        response = client.get(signed(transformation, f"{image_id}.png"))
        assert response.status_code == 200, response.text
        assert dims(response.content) == size


@pytest.mark.parametrize(("transformation", "message"), [
    ("w_iw_div_0", "Invalid w_iw_div_0: division by zero (div by 0)"),
    ("w_iw_mul_100", "Invalid w_iw_mul_100 (w_64000 for this image): expected an integer between 1 and 16383 "
                     "(pixels) or a decimal such as 0.5 (a fraction) for width"),
    ("w_$nope", "Invalid w_$nope: $nope is not defined before it is used (assign it first: $nope_<value>)"),
    ("if_w_gt_1/if_end/if_end", "if_end without an if_ before it"),
    ("w_iw_pow_iw", "Invalid w_iw_pow_iw: pow has no finite real result"),
])
def test_bad_expressions_are_plain_400s(client: TestClient, rocket: str, transformation: str, message: str) -> None:
    response = client.get(signed(transformation, f"{rocket}.png"))
    assert response.status_code == 400
    assert response.text == message + "\n"
    assert "etag" not in response.headers


def test_an_expression_on_a_missing_image_is_404(client: TestClient, rocket: str) -> None:
    response = client.get(signed("w_iw_div_2", "AAAAAAAAAAAAAAAA.png"))
    assert response.status_code == 404


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    yield from make_cloud(tmp_path)


def test_cloudinary_sdk_conditions_and_variables_serve(cloud: Cloud) -> None:
    cloud.upload("rocket.jpg", public_id="rocket")  # 640x427
    url = cloud.sdk("rocket", format="png", sign_url=True, transformation=[
        {"variables": [["$size", "iw / 4"], ["$small", "$size / 2"]]},
        {"if": "width > 600 && aspect_ratio > 1.2"},
        {"width": "$size", "crop": "scale"},
        {"if": "else"},
        {"width": "$small", "crop": "scale"},
        {"if": "end"},
        {"height": "initial_height / 4", "width": "$small", "crop": "pad", "background": "black"},
    ])
    assert "/$size_iw_div_4,$small_$size_div_2/if_w_gt_600_and_ar_gt_1.2/c_scale,w_$size/if_else/" in url
    image = cloud.image(url)
    assert (image.width, image.height) == (80, 107)
    again = cloud.get(url)
    assert again.headers["x-cache"] == "HIT"
    plain = cloud.get(cloud.sdk("rocket", format="png", sign_url=True, transformation=[
        {"width": 160, "crop": "scale"}, {"height": 107, "width": 80, "crop": "pad", "background": "black"}]))
    assert plain.headers["etag"] == again.headers["etag"]


def test_named_transformation_takes_its_values_from_the_url(cloud: Cloud) -> None:
    cloud.upload("rocket.jpg", public_id="rocket")
    created = cloud.client.post("/v1_1/alice/transformations/thumb", auth=(cloud.api_key, cloud.api_secret),
                                data={"transformation": "c_fill,w_$side,h_$side"})
    assert created.status_code == 200, created.text
    url = cloud.sdk("rocket", format="png", sign_url=True,
                    transformation=[{"variables": [["$side", 120]]}, {"transformation": ["thumb"]}])
    image = cloud.image(url)
    assert (image.width, image.height) == (120, 120)


def test_sign_accepts_expressions_and_checks_the_overlays_of_every_branch(
    client: TestClient, alice: Account, bob: Account, rocket: str,
) -> None:
    response = client.post("/sign", headers=alice.headers, json={"items": [
        {"id": rocket, "transformation": "$side_iw_div_4/c_fill,w_$side,h_$side", "format": "png"}]})
    assert response.status_code == 200, response.text
    url = response.json()["items"][0]["url"]
    assert dims(client.get(url.split("testserver", 1)[-1]).content) == (160, 160)
    hidden = f"if_w_gt_100000/l_{rocket}/fl_layer_apply/if_end"  # alice's image in a branch that never runs
    theirs = bob.upload("coffee.png")["id"]
    refused = client.post("/sign", headers=bob.headers, json={"items": [{"id": theirs, "transformation": hidden}]})
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == f"No such overlay image: l_{rocket}"
    bad = client.post("/sign", headers=alice.headers, json={"items": [{"id": rocket, "transformation": "w_iw_div"}]})
    assert bad.json()["error"]["message"] == (
        "items[0].transformation: Invalid w_iw_div: the operator 'div' needs a value after it")
