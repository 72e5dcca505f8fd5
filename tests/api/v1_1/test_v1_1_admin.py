"""``cloudinary.api``: listings with paging, one resource, bulk deletes, named transformations, usage."""

from __future__ import annotations

import cloudinary
import cloudinary.api
import cloudinary.uploader
import httpx
import pytest
from cloudinary.exceptions import AlreadyExists, BadRequest, NotFound

from tests.api.v1_1.sdk import Cloud, cloud_fixture, other_fixture, server_fixture, stream  # noqa: F401 (the fixtures these tests use)
from tests.helpers import jpeg, png


def published(cloud: Cloud) -> dict[str, str]:
    """The named transformations render nodes read from the object store."""
    state = cloud.services.published.account(cloud.name)
    assert state is not None
    return state.transformations


def _upload_all(names: list[str], **options: object) -> None:
    for name in names:
        cloudinary.uploader.upload(stream(png(10, 10)), public_id=name, **options)


def test_resources_page_with_next_cursor_by_prefix_and_with_tags(cloud: Cloud) -> None:
    names = ["docs/a", "docs/b", "docs/c", "docs/d", "pics/e"]
    _upload_all(names, tags="all")
    seen, cursor = [], None
    while True:
        page = cloudinary.api.resources(max_results=2, **({"next_cursor": cursor} if cursor else {}))
        assert len(page["resources"]) <= 2
        seen += [r["public_id"] for r in page["resources"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == list(reversed(names))  # newest first
    oldest_first = cloudinary.api.resources(direction="asc", max_results=10)["resources"]
    assert [r["public_id"] for r in oldest_first] == names
    by_prefix = cloudinary.api.resources(type="upload", prefix="docs/", max_results=3)
    assert [r["public_id"] for r in by_prefix["resources"]] == ["docs/a", "docs/b", "docs/c"]
    rest = cloudinary.api.resources(type="upload", prefix="docs/", next_cursor=by_prefix["next_cursor"])
    assert [r["public_id"] for r in rest["resources"]] == ["docs/d"] and "next_cursor" not in rest
    with_tags = cloudinary.api.resources(prefix="pics/", tags=True)["resources"]
    assert with_tags[0]["tags"] == ["all"] and with_tags[0]["url"].endswith("/pics/e.png")
    assert "tags" not in cloudinary.api.resources(prefix="pics/")["resources"][0]
    with pytest.raises(BadRequest, match="Invalid next_cursor"):
        cloudinary.api.resources(next_cursor="not-a-cursor")


def test_resource_details_and_the_sdk_url_serving_it(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(jpeg(60, 40)), public_id="shop/shoe", context="alt=Shoe")
    resource = cloudinary.api.resource("shop/shoe")
    assert (resource["width"], resource["height"], resource["format"], resource["folder"]) == (60, 40, "jpg", "shop")
    assert resource["context"] == {"custom": {"alt": "Shoe"}} and resource["derived"] == []
    assert cloud.fetch(cloud.url("shop/shoe", format="jpg", width=30, crop="scale")).height == 20
    with pytest.raises(NotFound, match="Resource not found - shop/boot"):
        cloudinary.api.resource("shop/boot")


def test_delete_resources_by_ids_prefix_and_all(cloud: Cloud) -> None:
    _upload_all(["x/1", "x/2", "y/1", "z"])
    answer = cloudinary.api.delete_resources(["x/1", "nope"])
    assert answer["deleted"] == {"x/1": "deleted", "nope": "not_found"} and answer["partial"] is False
    assert cloud.record("x/1") is None and cloud.record("x/2") is not None
    assert cloudinary.api.delete_resources_by_prefix("x/")["deleted"] == {"x/2": "deleted"}
    assert cloudinary.api.delete_all_resources()["deleted"] == {"y/1": "deleted", "z": "deleted"}
    assert cloudinary.api.resources()["resources"] == []


def test_named_transformations_reach_delivery_without_a_restart(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(jpeg(100, 100)), public_id="avatar")
    assert cloudinary.api.create_transformation("small_fill", "c_fill,w_30,h_20") == {"message": "created"}
    assert published(cloud) == {"small_fill": "c_fill,w_30,h_20"}
    listed = cloudinary.api.transformations()["transformations"]
    assert listed == [{"name": "t_small_fill", "allowed_for_strict": False, "used": False, "named": True}]
    details = cloudinary.api.transformation("t_small_fill")
    assert details["info"] == [{"c": "fill", "w": "30", "h": "20"}]
    image = cloud.fetch(cloud.url("avatar", format="jpg", transformation="small_fill"))
    assert (image.width, image.height) == (30, 20)
    with pytest.raises(AlreadyExists):
        cloudinary.api.create_transformation("small_fill", "w_10")
    with pytest.raises(BadRequest, match="Invalid"):
        cloudinary.api.create_transformation("broken", "w_abc")
    cloudinary.api.update_transformation("small_fill", allowed_for_strict=True, unsafe_update="c_fill,w_12,h_12")
    assert cloudinary.api.transformation("small_fill")["allowed_for_strict"] is True
    assert published(cloud) == {"small_fill": "c_fill,w_12,h_12"}
    assert cloudinary.api.delete_transformation("small_fill") == {"message": "deleted"}
    assert cloudinary.api.transformations()["transformations"] == []
    assert published(cloud) == {}
    with pytest.raises(NotFound):
        cloudinary.api.delete_transformation("small_fill")


def test_usage_counts_images_storage_and_renders(cloud: Cloud) -> None:
    cloudinary.uploader.upload(stream(jpeg(50, 50)), public_id="u1")
    cloudinary.uploader.upload(stream(png(20, 20)), public_id="u2", eager=[{"width": 10, "crop": "scale"}])
    usage = cloudinary.api.usage()
    records = [cloud.record("u1"), cloud.record("u2")]
    assert usage["resources"] == 2
    assert usage["storage"]["usage"] >= sum(r.bytes for r in records)
    assert usage["derived_resources"] == 1 and usage["transformations"]["usage"] == 1
    assert usage.rate_limit_allowed == 1000 and usage.rate_limit_remaining < 1000


def test_admin_calls_need_the_accounts_basic_credentials(cloud: Cloud, other: Cloud) -> None:
    url = f"{cloud.base}/v1_1/{cloud.name}/resources/image"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, auth=(cloud.api_key, "wrong")).json()["error"]["message"] == "Invalid api_secret"
    mismatch = httpx.get(url, auth=(other.api_key, other.api_secret))
    assert (mismatch.status_code, mismatch.json()["error"]["message"]) == (401, "cloud_name mismatch")
    assert httpx.get(url, auth=(cloud.api_key, cloud.api_secret)).status_code == 200


def test_upload_presets_refuse_a_taken_name_and_one_too_many(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cloudinary.api.create_upload_preset(name="thumbs", folder="a") == {"message": "created", "name": "thumbs"}
    with pytest.raises(AlreadyExists, match=r"^Error 409 - Upload preset thumbs already exists$"):
        cloudinary.api.create_upload_preset(name="thumbs", folder="b")
    assert cloudinary.api.upload_preset("thumbs")["settings"] == {"folder": "a"}  # the first one, untouched
    monkeypatch.setattr("imgorigin.clouds.upload_presets.MAX_PRESETS", 2)
    cloudinary.api.create_upload_preset(name="second")
    with pytest.raises(AlreadyExists, match=r"^Error 409 - An account may have at most 2 upload presets$"):
        cloudinary.api.create_upload_preset(name="third")
    names = [p["name"] for p in cloudinary.api.upload_presets()["presets"]]
    assert names == ["second", "thumbs"]  # the refused ones left nothing behind
