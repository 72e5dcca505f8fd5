"""Named presets (t_<name>) and overlays through the real app: signatures, errors, pixels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvips
from starlette.testclient import TestClient

from tests.helpers import Account, AppClient, make_settings, register, signed
from tests.imaging import as_rgb

PRESETS = {
    "thumb": {"transformation": "c_fill,g_auto,w_150,h_150", "unsigned": True},
    "hero": {"transformation": "c_fill,w_320,h_120/e_grayscale"},
    "small": "c_scale,w_64",
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    presets = tmp_path / "presets.json"
    presets.write_text(json.dumps(PRESETS))
    with AppClient(make_settings(tmp_path, presets_file=presets)) as test_client:
        yield test_client


@pytest.fixture
def alice(client: TestClient) -> Account:
    return register(client, "alice")


@pytest.fixture
def image_id(alice: Account) -> str:
    return str(alice.upload("rocket.jpg")["id"])


def decoded(content: bytes) -> pyvips.Image:
    return as_rgb(pyvips.Image.new_from_buffer(content, ""))


def test_unsigned_preset_is_served_without_a_signature(client: TestClient, image_id: str) -> None:
    response = client.get(f"/t/t_thumb/{image_id}.webp")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/webp"
    image = decoded(response.content)
    assert (image.width, image.height) == (150, 150)


def test_preset_shares_the_cache_entry_of_its_expansion(client: TestClient, image_id: str) -> None:
    by_name = client.get(f"/t/t_thumb/{image_id}.webp")
    spelled_out = client.get(signed("c_fill,g_auto,h_150,w_150", f"{image_id}.webp"))
    assert by_name.headers["etag"] == spelled_out.headers["etag"]
    assert spelled_out.headers["x-cache"] == "HIT"


def test_preset_not_marked_unsigned_needs_a_signature(client: TestClient, image_id: str) -> None:
    response = client.get(f"/t/t_hero/{image_id}.jpg")
    assert response.status_code == 401
    assert response.text == "This URL needs a signature (s--...--)\n"


def test_unsigned_preset_with_other_components_needs_a_signature(client: TestClient, image_id: str) -> None:
    assert client.get(f"/t/t_thumb/e_grayscale/{image_id}.jpg").status_code == 401
    assert client.get(f"/t/e_grayscale/t_thumb/{image_id}.jpg").status_code == 401


def test_signed_presets_combine_with_other_components(client: TestClient, image_id: str) -> None:
    response = client.get(signed("t_hero/c_crop,w_100,h_50", f"{image_id}.png"))
    assert response.status_code == 200, response.text
    image = decoded(response.content)
    assert (image.width, image.height) == (100, 50)
    # The preset's e_grayscale: a grey PNG may be written with one band, or three equal ones.
    assert image.bands == 1 or image.extract_band(0).avg() == pytest.approx(image.extract_band(2).avg(), abs=1)


def test_a_string_preset_is_a_transformation(client: TestClient, image_id: str) -> None:
    response = client.get(signed("t_small", f"{image_id}.png"))
    assert decoded(response.content).width == 64


def test_unknown_preset_is_400(client: TestClient, image_id: str) -> None:
    response = client.get(signed("t_nope", f"{image_id}.jpg"))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Unknown preset t_nope\n"
    assert client.get(f"/t/t_nope/{image_id}.jpg").status_code == 401


def test_preset_must_stand_alone_in_its_component(client: TestClient, image_id: str) -> None:
    response = client.get(signed("t_thumb,e_grayscale", f"{image_id}.jpg"))
    assert response.status_code == 400
    assert response.text == "A preset (t_) must stand alone in its component: 't_thumb,e_grayscale'\n"


def test_image_overlay_through_the_app(client: TestClient, alice: Account, image_id: str) -> None:
    logo = alice.upload("logo.png")["id"]
    base = decoded(client.get(signed("c_fill,w_400,h_300", f"{image_id}.png")).content)
    response = client.get(signed(f"c_fill,w_400,h_300/l_{logo},w_100,g_south_east,x_10,y_10", f"{image_id}.png"))
    assert response.status_code == 200, response.text
    stamped = decoded(response.content)
    difference = (stamped.extract_band(0, n=3).cast("int") - base.extract_band(0, n=3)).abs()
    columns, rows = difference.project()
    changed_x = [x for x in range(400) if columns(x, 0)[0] > 0]
    changed_y = [y for y in range(300) if rows(0, y)[0] > 0]
    assert changed_x and changed_y
    # The logo is 100 px wide, 10 px from the right and bottom edges: x in 290..389, y up to 289.
    assert min(changed_x) >= 290 and max(changed_x) <= 389 and max(changed_y) <= 289
    assert max(changed_x) - min(changed_x) > 50 and min(changed_y) >= 150


def test_unknown_overlay_is_404(client: TestClient, image_id: str) -> None:
    response = client.get(signed("l_doesNotExist1", f"{image_id}.jpg"))
    assert response.status_code == 404
    assert response.text == "No such overlay image: l_doesNotExist1\n"


def test_only_the_owner_may_sign_an_overlay_of_an_image(client: TestClient, alice: Account, image_id: str) -> None:
    bob = register(client, "bob")
    secret = alice.upload("logo.png")["id"]
    mine = bob.upload("coffee.png")["id"]
    response = client.post("/sign", headers=bob.headers, json={"items": [
        {"id": mine, "transformation": f"l_{secret},g_north"},
    ]})
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "layer_not_found", "message": f"No such overlay image: l_{secret}"}
    response = client.post(f"/images/{mine}/transform", headers=bob.headers, json={
        "transformations": {"watermark": {"image": secret}},
    })
    assert response.status_code == 404
    own = client.post("/sign", headers=alice.headers, json={"items": [
        {"id": image_id, "transformation": f"l_{secret},g_north"},
    ]})
    assert own.status_code == 200


def test_text_watermark_from_the_json_api(client: TestClient, alice: Account, image_id: str) -> None:
    plain = client.post(f"/images/{image_id}/transform", headers=alice.headers, json={
        "transformations": {"resize": {"width": 320, "height": 240, "mode": "fill"}, "format": "png"},
    })
    marked = client.post(f"/images/{image_id}/transform", headers=alice.headers, json={
        "transformations": {
            "resize": {"width": 320, "height": 240, "mode": "fill"}, "format": "png",
            "watermark": {"text": "© Alice, 2026", "size": 18, "bold": True, "color": "white", "x": 8, "y": 8,
                          "opacity": 90},
        },
    })
    assert marked.status_code == 200, marked.text
    body = marked.json()
    assert "/l_text:arial_18_bold:%C2%A9%20Alice%2C%202026,co_white/fl_layer_apply,g_south_east,x_8,y_8,o_90/" \
        in body["url"]
    before = decoded(client.get(plain.json()["url"]).content)
    after = decoded(client.get(body["url"].removeprefix("http://testserver")).content)
    difference = (after.cast("int") - before).abs().extract_band(0, n=3)
    columns, rows = difference.project()
    changed_x = [x for x in range(320) if columns(x, 0)[0] > 0]
    changed_y = [y for y in range(240) if rows(0, y)[0] > 0]
    assert changed_x and max(changed_x) <= 320 - 8 and min(changed_x) > 320 / 3
    assert changed_y and max(changed_y) <= 240 - 8 and min(changed_y) > 240 - 8 - 30


def test_bad_watermark_is_a_400_with_the_field(client: TestClient, alice: Account, image_id: str) -> None:
    response = client.post(f"/images/{image_id}/transform", headers=alice.headers, json={
        "transformations": {"watermark": {"image": image_id, "width": 2.5}},
    })
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_transformation_body",
        "message": "transformations.watermark.width: expected pixels (an integer between 1 and 16383) "
                   "or a fraction of the image (0 to 1.0)",
    }


def test_deleting_an_overlay_image_drops_the_derivatives_that_show_it(
    client: TestClient, alice: Account, image_id: str,
) -> None:
    logo = alice.upload("logo.png")["id"]
    url = signed(f"c_scale,w_200/l_{logo},w_50,g_north_west", f"{image_id}.jpg")
    plain = signed("c_scale,w_200", f"{image_id}.jpg")
    assert client.get(url).headers["x-cache"] == "MISS"
    assert client.get(plain).status_code == 200
    assert client.get(url).headers["x-cache"] == "HIT"
    assert client.delete(f"/images/{logo}", headers=alice.headers).status_code == 204
    gone = client.get(url)
    assert gone.status_code == 404
    assert gone.text == f"No such overlay image: l_{logo}\n"
    assert client.get(plain).headers["x-cache"] == "HIT"  # the base image's other derivatives stay


def test_tiled_image_watermark_from_the_json_api(client: TestClient, alice: Account, image_id: str) -> None:
    logo = alice.upload("logo.png")["id"]
    response = client.post(f"/images/{image_id}/transform", headers=alice.headers, json={
        "transformations": {"resize": {"width": 300}, "format": "png",
                            "watermark": {"image": logo, "width": 40, "opacity": 50, "tiled": True}},
    })
    assert response.status_code == 200, response.text
    assert f"/l_{logo},w_40/fl_layer_apply.tiled,g_south_east,o_50/" in response.json()["url"]
    blended = client.post(f"/images/{image_id}/transform", headers=alice.headers, json={
        "transformations": {"watermark": {"image": logo, "blend": "multiply"}},
    })
    assert f"/l_{logo}/fl_layer_apply,g_south_east,e_multiply/" in blended.json()["url"]
    wrong = client.post(f"/images/{image_id}/transform", headers=alice.headers, json={
        "transformations": {"watermark": {"image": logo, "blend": "burn"}},
    })
    assert wrong.json()["error"]["message"] == (
        "transformations.watermark.blend: expected one of normal, multiply, screen, overlay, mask"
    )
