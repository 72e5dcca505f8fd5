"""Cloudinary's layouts driven by Cloudinary's own Python SDK: only its configuration changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clouds.cloudkit import Cloud, make_cloud


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    yield from make_cloud(tmp_path)


def signature_of(url: str) -> str:
    match = re.search(r"/s--([A-Za-z0-9_-]+)--/", url)  # greedy: a signature may end in '-'
    assert match is not None, url
    return match[1]


@pytest.fixture
def cat(cloud: Cloud) -> dict:  # type: ignore[type-arg]
    return cloud.upload("rocket.jpg", public_id="cat", folder="samples/animals")  # 640x427


def test_shared_layout_signed_short_and_long(cloud: Cloud, cat: dict) -> None:  # type: ignore[type-arg]
    short = cloud.sdk("samples/animals/cat", format="png", width=100, crop="scale", sign_url=True)
    assert short.startswith("https://testserver/alice/image/upload/s--") and "/v1/samples/animals/cat.png" in short
    assert len(signature_of(short)) == 8
    image = cloud.image(short)
    assert (image.width, image.height, image.get("vips-loader")) == (100, 67, "pngload_buffer")

    long = cloud.sdk("samples/animals/cat", format="webp", width=120, crop="scale", sign_url=True,
                     long_url_signature=True)
    assert len(signature_of(long)) == 32
    assert cloud.image(long).width == 120


def test_private_cdn_and_cname_layouts(cloud: Cloud, cat: dict) -> None:  # type: ignore[type-arg]
    private = cloud.sdk("samples/animals/cat", format="jpg", width=80, crop="scale", sign_url=True,
                        private_cdn=True)
    assert private.startswith("https://testserver/image/upload/s--")
    assert cloud.image(private).width == 80

    cname = cloud.sdk("samples/animals/cat", format="jpg", width=70, crop="scale", sign_url=True, secure=False,
                      cname="testserver", secure_distribution=None)
    assert cname.startswith("http://testserver/alice/image/upload/")
    assert cloud.image(cname).width == 70
    cname_private = cloud.sdk("samples/animals/cat", format="jpg", width=60, crop="scale", sign_url=True,
                              secure=False, cname="testserver", secure_distribution=None, private_cdn=True)
    assert cname_private.startswith("http://testserver/image/upload/")
    assert cloud.image(cname_private).width == 60


def test_folder_ids_with_and_without_the_version(cloud: Cloud, cat: dict) -> None:  # type: ignore[type-arg]
    with_v1 = cloud.sdk("samples/animals/cat", format="png", width=50, crop="scale", sign_url=True)
    assert "/v1/samples/animals/cat.png" in with_v1
    real_version = cloud.sdk("samples/animals/cat", format="png", width=51, crop="scale", sign_url=True,
                             version=cat["version"])
    assert f"/v{cat['version']}/" in real_version
    without = cloud.sdk("samples/animals/cat", format="png", width=52, crop="scale", sign_url=True,
                        force_version=False)
    assert "/v1/" not in without
    assert [cloud.image(url).width for url in (with_v1, real_version, without)] == [50, 51, 52]
    # versioned URLs are immutable; unversioned ones may be overwritten
    assert cloud.get(with_v1).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert cloud.get(without).headers["cache-control"] == "public, max-age=86400"


def test_custom_public_ids_with_unicode_and_spaces(cloud: Cloud) -> None:
    cloud.upload("coffee.png", public_id="fotos/año nuevo 2024")
    url = cloud.sdk("fotos/año nuevo 2024", format="png", width=40, crop="scale", sign_url=True)
    assert "a%C3%B1o%20nuevo%202024.png" in url
    assert cloud.image(url).width == 40


def test_random_ids_of_old_and_new_images_are_public_ids(cloud: Cloud) -> None:
    body = cloud.upload("rocket.jpg")
    url = cloud.sdk(body["id"], format="jpg", width=30, crop="scale", sign_url=True)
    assert cloud.image(url).width == 30
    # and the original, untransformed, in its own format without an extension
    original = cloud.image(cloud.sdk(body["id"], sign_url=True))
    assert (original.width, original.height, original.get("vips-loader")) == (640, 427, "jpegload_buffer")


def test_extensionless_f_auto_q_auto_negotiates(cloud: Cloud) -> None:
    cloud.upload("rocket.jpg", public_id="sample")
    url = cloud.sdk("sample", fetch_format="auto", quality="auto", width=64, crop="scale", sign_url=True)
    assert url.endswith("/c_scale,f_auto,q_auto,w_64/sample")
    for accept, loader in (("image/avif,image/webp,*/*", "heifload_buffer"), ("image/webp,*/*", "webpload_buffer"),
                           ("*/*", "jpegload_buffer")):
        response = cloud.get(url, accept=accept)
        assert response.status_code == 200
        assert response.headers["vary"] == "Accept"
        image = cloud.image(url, accept=accept)
        assert (image.width, image.get("vips-loader")) == (64, loader)


def test_wrong_secret_revoked_key_and_short_signatures_off(cloud: Cloud, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cloud.upload("rocket.jpg", public_id="sample")
    forged = cloud.sdk("sample", format="jpg", width=20, crop="scale", sign_url=True, api_secret="x" * 32)
    assert (cloud.get(forged).status_code, cloud.get(forged).text) == (403, "Invalid signature\n")
    good = cloud.sdk("sample", format="jpg", width=20, crop="scale", sign_url=True, long_url_signature=True)
    assert cloud.get(good).status_code == 200
    cloud.client.delete(f"/me/api-keys/{cloud.api_key}", headers=cloud.account.headers)
    assert cloud.get(good.replace("w_20", "w_21")).status_code == 403


def test_short_signatures_need_the_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for cloud in make_cloud(tmp_path, allow_short_signatures=False):
        cloud.upload("rocket.jpg", public_id="sample")
        short = cloud.sdk("sample", format="jpg", width=20, crop="scale", sign_url=True)
        assert (cloud.get(short).status_code, cloud.get(short).text) == (
            403, "Short (SHA-1) signatures are not accepted\n")


def test_unknown_cloud_and_missing_images(cloud: Cloud) -> None:
    url = cloud.sdk("sample", format="jpg", sign_url=True, cloud_name="nobody")
    assert (cloud.get(url).status_code, cloud.get(url).text) == (404, "Unknown cloud name\n")
    missing = cloud.sdk("nothing/here", format="jpg", sign_url=True)
    assert (cloud.get(missing).status_code, cloud.get(missing).text) == (404, "No such image\n")


def test_no_default_cloud_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for cloud in make_cloud(tmp_path, default_cloud=""):
        response = cloud.client.get("/image/upload/sample.jpg")
        assert (response.status_code, response.text) == (
            404, "No default cloud on this host: use /<cloud_name>/image/upload/...\n")


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/alice/image/upload/v1/a%2Fb.jpg", 400, "An encoded '/' or '\\' in a public id is not allowed"),
    ("/alice/image/upload/v1/a%5C..%5Cb.jpg", 400, "An encoded '/' or '\\' in a public id is not allowed"),
    ("/alice/image/upload/v1/a/%2E%2E/b.jpg", 400, "public_id may not have empty, '.' or '..' folders"),
    ("/alice/image/upload/v1/%3Cscript%3E.jpg", 400,
     "public_id may not contain '<', '>': '?&#\\%<>+' and control characters are not allowed"),
    ("/alice/image/upload/v1/%00.jpg", 400,
     "public_id may not contain '\\x00': '?&#\\%<>+' and control characters are not allowed"),
    ("/alice/image/upload/v1/%FF%FE.jpg", 400, "The public id is not valid UTF-8 once decoded"),
    ("/alice/image/upload/v1/" + "x" * 300 + ".jpg", 400, "public_id must be at most 255 characters"),
    ("/alice/image/upload/v1/a//b.jpg", 400, "Empty path segment ('//') in the URL"),
    ("/alice/image/upload/" + "w_1/" * 1200 + "x.jpg", 400, "The URL is too long"),
    ("/alice/image/upload/v1/v2/x.jpg", 400, "public_id: a folder may not be named 'v' followed by digits ('v2')"),
])
def test_hostile_paths_are_clear_4xx(cloud: Cloud, path: str, status: int, text: str) -> None:
    cloud.set_policy("open")
    response = cloud.client.get(path)
    assert (response.status_code, response.text) == (status, text + "\n")
    assert response.headers["cache-control"] == "no-store"


def test_an_account_cannot_reach_another_accounts_images(cloud: Cloud) -> None:
    from tests.helpers import register

    bob = register(cloud.client, "bob")
    theirs = bob.upload("coffee.png")
    url = cloud.sdk(theirs["id"], format="png", sign_url=True, long_url_signature=True)
    assert cloud.get(url).status_code == 404  # alice's cloud has no such public id
    layer = cloud.sdk("sample", format="png", sign_url=True, overlay=theirs["id"], long_url_signature=True)
    cloud.upload("rocket.jpg", public_id="sample")
    assert cloud.get(layer).text == f"No such overlay image: l_{theirs['id']}\n"


def test_default_image_serves_with_the_same_transformations(cloud: Cloud) -> None:
    cloud.upload("coffee.png", public_id="placeholders/fallback")
    url = cloud.sdk("missing/photo", format="png", width=30, crop="scale", default_image="placeholders:fallback.png",
                    sign_url=True, long_url_signature=True)
    assert "d_placeholders:fallback.png" in url
    response = cloud.get(url)
    assert response.headers["cache-control"] == "public, max-age=60"
    image = cloud.image(url)
    fallback = cloud.image(cloud.sdk("placeholders/fallback", format="png", width=30, crop="scale", sign_url=True))
    assert (image.width, image.height) == (fallback.width, fallback.height)
    assert abs((image - fallback).abs().avg()) < 1  # the same pixels
    # the real image wins once it exists
    cloud.upload("rocket.jpg", public_id="missing/photo")
    assert cloud.image(url).height == round(427 * 30 / 640)
    no_default = cloud.sdk("missing/other", format="png", default_image="nothing.png", sign_url=True)
    assert (cloud.get(no_default).status_code, cloud.get(no_default).text) == (404, "No such image\n")
    twice = "/alice/image/upload/d_a.png,d_b.png/x.png"
    cloud.set_policy("open")
    assert (cloud.client.get(twice).status_code, cloud.client.get(twice).text) == (400, "d_ may be given only once\n")


def test_overlays_of_folder_public_ids(cloud: Cloud) -> None:
    cloud.upload("rocket.jpg", public_id="sample")
    cloud.upload("logo.png", public_id="brand/logos/mark")
    plain = cloud.image(cloud.sdk("sample", format="png", sign_url=True))
    url = cloud.sdk("sample", format="png", sign_url=True, long_url_signature=True,
                    transformation=[{"overlay": "brand:logos:mark", "width": 200, "crop": "scale"},
                                    {"flags": "layer_apply"}])
    assert "l_brand:logos:mark" in url
    marked = cloud.image(url)
    assert (marked.width, marked.height) == (plain.width, plain.height)
    assert (marked - plain).abs().avg() > 1  # the logo is drawn
    # overwriting the overlay changes what the same URL draws (the plan names the storage id)
    cloud.upload("coffee.png", public_id="brand/logos/mark")
    again = cloud.image(url)
    assert (again - marked).abs().avg() > 0.5
    missing = cloud.sdk("sample", format="png", sign_url=True, overlay="brand:none", long_url_signature=True)
    assert cloud.get(missing).text == "No such overlay image: l_brand:none\n"


def test_named_transformations_of_the_account_with_f_auto(cloud: Cloud) -> None:
    from imgorigin.clouds import records
    from imgorigin.clouds.accounts import publish_account
    from tests.helpers import services_of

    cloud.upload("rocket.jpg", public_id="sample")
    services = services_of(cloud.client)
    user = services.db.user_with_hash("alice")[0]
    records.put_named_transformation(services.db, user.id, records.NamedTransformation(
        "card", "c_scale,w_90/f_auto", False, "now"))
    publish_account(services.db, services.publisher, user)
    url = cloud.sdk("sample", transformation="card", sign_url=True, long_url_signature=True)
    assert url.endswith("/t_card/sample")
    response = cloud.get(url, accept="image/webp")
    assert response.headers["vary"] == "Accept"
    image = cloud.image(url, accept="image/webp")
    assert (image.width, image.get("vips-loader")) == (90, "webpload_buffer")
