"""``api.root_folders`` and ``api.subfolders`` page by ``max_results`` and ``next_cursor``, through the SDK."""

from __future__ import annotations

import base64

import cloudinary
import cloudinary.api
import cloudinary.uploader
import httpx
import pytest
from cloudinary.exceptions import BadRequest, NotFound

from imgorigin.clouds.cursors import seal
from tests.api.v1_1.sdk import Cloud, cloud_fixture, other_fixture, server_fixture, stream  # noqa: F401 (the fixtures these tests use)
from tests.helpers import png

ROOTS = ["alpha", "beta", "delta", "epsilon", "gamma"]


def upload_tree(cloud: Cloud) -> None:
    data = png(4, 4)
    for root in ROOTS:
        cloudinary.uploader.upload(stream(data), public_id=f"{root}/one")
    for child in ("c", "a", "b"):
        cloudinary.uploader.upload(stream(data), public_id=f"alpha/{child}/deep/leaf")
    cloudinary.uploader.upload(stream(data), public_id="loose")  # no folder


def test_root_folders_page_by_max_results_and_next_cursor(cloud: Cloud) -> None:
    upload_tree(cloud)
    first = cloudinary.api.root_folders(max_results=2)
    assert first["folders"] == [{"name": "alpha", "path": "alpha"}, {"name": "beta", "path": "beta"}]
    assert first["total_count"] == 5 and first["next_cursor"]
    second = cloudinary.api.root_folders(max_results=2, next_cursor=first["next_cursor"])
    assert [f["name"] for f in second["folders"]] == ["delta", "epsilon"]
    last = cloudinary.api.root_folders(max_results=2, next_cursor=second["next_cursor"])
    assert last["folders"] == [{"name": "gamma", "path": "gamma"}]
    assert last["next_cursor"] is None and last["total_count"] == 5
    everything = cloudinary.api.root_folders(max_results=500)
    assert [f["name"] for f in everything["folders"]] == ROOTS and everything["next_cursor"] is None


def test_subfolders_page_and_a_default_of_ten(cloud: Cloud) -> None:
    upload_tree(cloud)
    first = cloudinary.api.subfolders("alpha", max_results=2)
    assert first["folders"] == [{"name": "a", "path": "alpha/a"}, {"name": "b", "path": "alpha/b"}]
    assert first["total_count"] == 3
    rest = cloudinary.api.subfolders("alpha", max_results=2, next_cursor=first["next_cursor"])
    assert rest["folders"] == [{"name": "c", "path": "alpha/c"}] and rest["next_cursor"] is None
    data = png(4, 4)
    for n in range(12):
        cloudinary.uploader.upload(stream(data), public_id=f"many/f{n:02d}/x")
    page = cloudinary.api.subfolders("many")
    assert len(page["folders"]) == 10 and page["total_count"] == 12 and page["next_cursor"]
    assert [f["name"] for f in cloudinary.api.subfolders("many", next_cursor=page["next_cursor"])["folders"]] == [
        "f10", "f11"]


def test_max_results_is_bounded(cloud: Cloud) -> None:
    upload_tree(cloud)
    for bad in (0, 501, -1, "ten", 10**12):
        with pytest.raises(BadRequest, match="max_results must be an integer between 1 and 500"):
            cloudinary.api.root_folders(max_results=bad)


def test_hostile_cursors_are_a_400(cloud: Cloud, other: Cloud) -> None:
    upload_tree(cloud)
    cloudinary.uploader.upload(stream(png(4, 4)), public_id="alpha/x", **other.options)
    cloudinary.uploader.upload(stream(png(4, 4)), public_id="beta/x", **other.options)
    theirs = cloudinary.api.root_folders(max_results=1, **other.options)["next_cursor"]
    mine = cloudinary.api.root_folders(max_results=1)["next_cursor"]
    body, tag = mine.split(".")
    forged_value = base64.urlsafe_b64encode(b"zzz").decode().rstrip("=")
    hostile = [
        "garbage", "", ".", "a.b", "%00", "é" * 10, "x" * 5000,
        theirs,  # another account's (same folder names)
        f"{forged_value}.{tag}",  # a position edited, the seal kept
        f"{body}.{tag[:-2]}AA",  # the seal edited
        seal("not-this-servers-secret", "folders:1:", "alpha"),
        cloudinary.api.subfolders("alpha", max_results=1)["next_cursor"],  # another folder's
    ]
    for cursor in hostile:
        response = httpx.get(f"{cloud.base}/v1_1/{cloud.name}/folders", params={"next_cursor": cursor},
                             auth=(cloud.api_key, cloud.api_secret))
        assert response.status_code == 400, cursor
        assert response.json()["error"]["message"] == "Invalid next_cursor"
    with pytest.raises(BadRequest, match="Invalid next_cursor"):
        cloudinary.api.subfolders("alpha", next_cursor=mine)
    assert cloudinary.api.root_folders(max_results=1, next_cursor=mine)["folders"] == [{"name": "beta",
                                                                                       "path": "beta"}]


def test_an_unknown_folder_is_a_404(cloud: Cloud) -> None:
    upload_tree(cloud)
    with pytest.raises(NotFound, match="Can't find folder with path nowhere"):
        cloudinary.api.subfolders("nowhere", max_results=2)
