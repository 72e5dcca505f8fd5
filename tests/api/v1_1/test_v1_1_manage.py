"""``uploader.destroy``, ``rename``, ``explicit`` and the tags calls, through the SDK."""

from __future__ import annotations

import cloudinary
import cloudinary.api
import cloudinary.uploader
import httpx
import pytest
from cloudinary.exceptions import AlreadyExists, NotFound

from imgorigin.storage import original_key
from tests.api.v1_1.sdk import Cloud, cloud_fixture, server_fixture, stream  # noqa: F401 (the fixtures these tests use)
from tests.helpers import jpeg, png


def test_destroy_removes_row_file_and_delivery(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(png(16, 16)), public_id="gone/soon")
    image_id = cloud.record("gone/soon").id
    url = cloud.url("gone/soon", format="png")
    assert cloud.fetch(url).width == 16
    assert cloudinary.uploader.destroy("gone/soon", invalidate=True) == {"result": "ok"}
    assert cloud.record("gone/soon") is None
    assert not cloud.services.storage.exists(original_key(image_id))
    assert cloudinary.uploader.destroy("gone/soon") == {"result": "not found"}
    assert httpx.get(url).status_code == 404


def test_rename_moves_the_public_id_and_refuses_to_clobber(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(png(20, 10)), public_id="old/name")
    cloudinary.uploader.upload(stream(png(30, 30)), public_id="taken")
    image_id = cloud.record("old/name").id
    renamed = cloudinary.uploader.rename("old/name", "new/name")
    assert renamed["public_id"] == "new/name" and renamed["width"] == 20
    assert cloud.record("old/name") is None and cloud.record("new/name").id == image_id
    assert cloud.fetch(cloud.url("new/name", format="png")).width == 20
    assert httpx.get(cloud.url("old/name", format="png")).status_code == 404
    with pytest.raises(AlreadyExists, match="Resource already exists - taken"):
        cloudinary.uploader.rename("new/name", "taken")
    assert cloud.record("taken").width == 30
    clobbered = cloudinary.uploader.rename("new/name", "taken", overwrite=True)
    assert clobbered["width"] == 20 and cloud.record("taken").id == image_id
    with pytest.raises(NotFound, match="Resource not found - nothing"):
        cloudinary.uploader.rename("nothing", "something")


def test_explicit_renders_eager_derivatives_of_a_stored_image(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(jpeg(200, 100)), public_id="banner")
    result = cloudinary.uploader.explicit("banner", type="upload", eager=[{"width": 40, "height": 40, "crop": "fill"}],
                                          tags=["explicit"])
    assert result["public_id"] == "banner" and result["tags"] == ["explicit"]
    (eager,) = result["eager"]
    assert (eager["width"], eager["height"]) == (40, 40)
    image = cloud.fetch(eager["secure_url"])
    assert (image.width, image.height) == (40, 40)
    with pytest.raises(NotFound):
        cloudinary.uploader.explicit("missing", type="upload", eager=[{"width": 10}])


def test_tags_add_remove_replace(cloud: Cloud) -> None:
    for name in ("a", "b", "c"):
        cloudinary.uploader.upload(stream(png(8, 8)), public_id=name, tags="base")
    assert cloudinary.uploader.add_tag("featured", ["a", "b", "missing"]) == {"public_ids": ["a", "b"]}
    tagged = cloudinary.api.resources_by_tag("featured")["resources"]
    assert sorted(r["public_id"] for r in tagged) == ["a", "b"]
    cloudinary.uploader.remove_tag("featured", ["a"])
    assert [r["public_id"] for r in cloudinary.api.resources_by_tag("featured")["resources"]] == ["b"]
    cloudinary.uploader.replace_tag("only", ["b"])
    assert cloudinary.api.resource("b")["tags"] == ["only"]
    assert cloudinary.api.resource("c")["tags"] == ["base"]
    cloudinary.uploader.remove_all_tags(["c"])
    assert cloudinary.api.resource("c")["tags"] == []
