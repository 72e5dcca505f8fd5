"""Eager derivatives made of the account's named transformations (``create_transformation``), through the SDK:
resolved as the account's delivery URLs resolve them."""

from __future__ import annotations

import re

import cloudinary
import cloudinary.api
import cloudinary.uploader
import httpx
import pytest
from cloudinary.exceptions import BadRequest

from tests.api.v1_1.sdk import Cloud, cloud_fixture, mean_colour, other_fixture, server_fixture, stream  # noqa: F401 (the fixtures these tests use)
from tests.helpers import jpeg, png


def test_upload_with_an_eager_named_transformation_serves_its_dimensions(cloud: Cloud) -> None:
    cloudinary.api.create_transformation("thumb", "c_fill,w_64,h_48")
    result = cloudinary.uploader.upload(stream(jpeg(320, 200)), public_id="cover", eager="t_thumb")
    (eager,) = result["eager"]
    assert eager["transformation"] == "t_thumb"
    assert (eager["width"], eager["height"], eager["format"]) == (64, 48, "jpg")
    assert "/t_thumb/" in eager["secure_url"]
    response = httpx.get(eager["secure_url"], timeout=30)
    assert response.status_code == 200 and response.headers["x-cache"] == "HIT"  # the eager render, from the cache
    image = cloud.fetch(eager["secure_url"])
    assert (image.width, image.height) == (64, 48)


def test_eager_as_the_sdks_transformation_dict_and_after_a_format(cloud: Cloud) -> None:
    cloudinary.api.create_transformation("banner", "c_scale,w_90")
    result = cloudinary.uploader.upload(stream(png(180, 60)), public_id="strip",
                                        eager=[{"transformation": "banner"}, {"transformation": "banner",
                                                                              "format": "webp"}])
    first, second = result["eager"]
    assert (first["transformation"], first["width"], first["height"], first["format"]) == ("t_banner", 90, 30, "png")
    assert (second["format"], second["width"]) == ("webp", 90)
    assert cloud.fetch(second["secure_url"]).width == 90


def test_explicit_and_a_queued_eager_render_the_named_definition(cloud: Cloud) -> None:
    cloudinary.api.create_transformation("square", "c_fill,w_30,h_30")
    cloudinary.uploader.upload(stream(jpeg(100, 50)), public_id="later")
    result = cloudinary.uploader.explicit("later", type="upload", eager="t_square")
    assert (result["eager"][0]["width"], result["eager"][0]["height"]) == (30, 30)

    queued = cloudinary.uploader.upload(stream(jpeg(100, 50)), public_id="queued", eager="t_square", eager_async=True)
    assert queued["eager"][0]["status"] == "processing"
    jobs = cloud.services.db.eager_for(cloud.record("queued").id)
    # The queue holds the resolved definition: a render node (or /t/) knows no account's names.
    assert [(job.transformation, job.format) for job in jobs] == [("c_fill,h_30,w_30", "jpg")]
    image = cloud.fetch(queued["eager"][0]["secure_url"])
    assert (image.width, image.height) == (30, 30)


def test_eager_overlays_name_the_accounts_public_ids(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(png(10, 10, (0, 250, 0))), public_id="marks/dot")
    result = cloudinary.uploader.upload(stream(png(40, 40, (250, 0, 0))), public_id="base",
                                        eager="l_marks:dot,w_40,h_40,c_scale/png")
    assert mean_colour(cloud.fetch(result["eager"][0]["secure_url"])) == [0, 250, 0]


def test_an_unknown_or_foreign_name_is_a_400_and_stores_nothing(cloud: Cloud, other: Cloud) -> None:
    cloudinary.api.create_transformation("mine", "w_10", **other.options)  # another account's name
    for eager, message in (("t_nothing", "eager[0]: Unknown preset t_nothing"),
                           ("t_mine", "eager[0]: Unknown preset t_mine"),
                           ("w_10|t_" + "x" * 300, "eager[1]: Unknown preset t_" + "x" * 300),
                           ("t_thumb,w_10", "eager[0]: A preset (t_) must stand alone in its component"),
                           ("$side_40/w_$side", "eager[0]: Eager transformations cannot use variables, "
                                                "arithmetic or if_ conditions")):
        with pytest.raises(BadRequest, match=re.escape(message)):
            cloudinary.uploader.upload(stream(jpeg(20, 20)), public_id="refused", eager=eager)
    assert cloud.record("refused") is None
    with pytest.raises(BadRequest, match=r"eager\[0\]: No such overlay image: l_ghost"):
        cloudinary.uploader.upload(stream(jpeg(20, 20)), public_id="refused", eager="l_ghost")
    body = httpx.post(f"{cloud.base}/v1_1/{cloud.name}/image/explicit", data=signed_explicit(cloud, "t_nothing"))
    assert body.status_code == 400
    assert body.json()["error"]["message"] == "eager[0]: Unknown preset t_nothing"


def signed_explicit(cloud: Cloud, eager: str) -> dict[str, str]:
    cloudinary.uploader.upload(stream(jpeg(20, 20)), public_id="present")
    params = cloudinary.utils.sign_request({"public_id": "present", "type": "upload", "eager": eager,
                                            "timestamp": cloudinary.utils.now()}, cloud.options)
    return {key: str(value) for key, value in params.items()}


def test_an_upload_presets_eager_may_use_named_transformations(cloud: Cloud) -> None:
    cloudinary.api.create_transformation("icon", "c_fill,w_16,h_16")
    cloudinary.api.create_upload_preset(name="icons", eager="t_icon")
    result = cloudinary.uploader.upload(stream(jpeg(64, 64)), public_id="app", upload_preset="icons")
    assert (result["eager"][0]["width"], result["eager"][0]["height"]) == (16, 16)
    with pytest.raises(BadRequest, match=r"eager\[0\]: Unknown preset t_missing"):
        cloudinary.api.create_upload_preset(name="broken", eager="t_missing")
