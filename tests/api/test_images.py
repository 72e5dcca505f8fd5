"""The /images routes and POST /sign through the real app, error paths included."""

from __future__ import annotations

import io

import pytest
import pyvips
from starlette.testclient import TestClient

from tests.helpers import Account, AppClient, error, photo, services_of


def fetch(client: TestClient, url: str) -> pyvips.Image:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def test_upload_answers_metadata_and_a_signed_url(alice: Account) -> None:
    body = alice.upload("rocket.jpg", filename="../../etc/My Rocket.jpg")
    assert len(body["id"]) == 16 and body["id"].isalnum()
    assert body["filename"] == "My Rocket.jpg"
    assert (body["format"], body["width"], body["height"]) == ("jpeg", 640, 427)
    assert body["bytes"] == len(photo("rocket.jpg"))
    assert body["created_at"].endswith("Z")
    assert "/t/s--" in body["url"] and body["url"].endswith(f"/{body['id']}.jpg")
    image = fetch(alice.client, body["url"])
    assert (image.width, image.height) == (640, 427)


def test_type_is_sniffed_from_bytes_not_name(alice: Account) -> None:
    body = alice.upload("coffee.png", filename="coffee.jpg")
    assert body["format"] == "png"
    assert body["url"].endswith(".png")


def test_upload_errors(client: TestClient, alice: Account) -> None:
    text = client.post(
        "/images", headers=alice.headers, files={"file": ("a.jpg", io.BytesIO(b"hello world"), "image/jpeg")}
    )
    assert error(text)[:2] == (415, "unsupported_media_type")
    empty = client.post("/images", headers=alice.headers, files={"file": ("a.jpg", io.BytesIO(b""), "image/jpeg")})
    assert error(empty)[:2] == (415, "unsupported_media_type")
    missing = client.post("/images", headers=alice.headers, files={"other": ("a.jpg", io.BytesIO(b"x"), "image/jpeg")})
    assert error(missing) == (400, "missing_file", "The multipart body needs a file field named 'file'")
    not_multipart = client.post("/images", headers=alice.headers, json={"file": "x"})
    assert error(not_multipart)[:2] == (400, "not_multipart")
    truncated = photo("rocket.jpg")[:20000]
    broken = client.post(
        "/images", headers=alice.headers, files={"file": ("t.jpg", io.BytesIO(truncated), "image/jpeg")}
    )
    assert error(broken)[:2] == (422, "corrupt_image")
    listing = client.get("/images", headers=alice.headers).json()
    assert listing["total"] == 0


def test_upload_size_cap(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_settings, register

    settings = make_settings(tmp_path, max_upload_bytes=50_000)
    with AppClient(settings) as small:
        account = register(small, "carol")
        response = small.post(
            "/images",
            headers=account.headers,
            files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")},
        )
        assert error(response) == (413, "upload_too_large", "The upload is larger than 50000 bytes")
        assert account.upload("chelsea.png", data=pyvips.Image.black(10, 10).write_to_buffer(".png"))["width"] == 10


def test_pixel_cap_from_the_header(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_settings, register

    with AppClient(make_settings(tmp_path, max_source_pixels=100_000)) as small:
        account = register(small, "dave")
        response = small.post(
            "/images",
            headers=account.headers,
            files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")},
        )
        assert error(response) == (422, "image_too_large", "The image is 640x427 pixels (0.3 MP); the limit is 0.1 MP")


def test_list_is_newest_first_and_paged(alice: Account) -> None:
    ids = [alice.upload(name)["id"] for name in ("rocket.jpg", "coffee.png", "chelsea.png")]
    first = alice.client.get("/images?page=1&limit=2", headers=alice.headers).json()
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    assert (first["page"], first["limit"], first["total"], first["pages"]) == (1, 2, 3, 2)
    second = alice.client.get("/images?page=2&limit=2", headers=alice.headers).json()
    assert [item["id"] for item in second["items"]] == [ids[0]]
    default = alice.client.get("/images", headers=alice.headers).json()
    assert default["limit"] == 10 and len(default["items"]) == 3


@pytest.mark.parametrize("query", ["page=0", "page=abc", "limit=0", "limit=101", "limit=-1", "page=1.5"])
def test_list_rejects_bad_paging(alice: Account, query: str) -> None:
    assert error(alice.client.get(f"/images?{query}", headers=alice.headers))[:2] == (400, "invalid_query")


def test_details_have_a_url_per_format(alice: Account) -> None:
    uploaded = alice.upload("rocket.jpg")
    details = alice.client.get(f"/images/{uploaded['id']}", headers=alice.headers).json()
    assert set(details["formats"]) == {"jpg", "png", "webp", "avif", "gif", "tiff"}
    for ext, loader in [("png", "pngload"), ("webp", "webpload"), ("avif", "heifload")]:
        response = alice.client.get(details["formats"][ext])
        assert response.headers["content-type"] == f"image/{ext}"
        image = pyvips.Image.new_from_buffer(response.content, "")
        assert image.get("vips-loader").startswith(loader)
        assert (image.width, image.height) == (640, 427)


def test_download_original_and_converted(alice: Account) -> None:
    uploaded = alice.upload("rocket.jpg")
    original = alice.client.get(f"/images/{uploaded['id']}/download", headers=alice.headers)
    assert original.status_code == 200
    assert original.content == photo("rocket.jpg")
    assert "attachment" in original.headers["content-disposition"]
    png = alice.client.get(f"/images/{uploaded['id']}/download?format=png", headers=alice.headers)
    assert png.headers["content-type"] == "image/png"
    assert pyvips.Image.new_from_buffer(png.content, "").width == 640
    bad = alice.client.get(f"/images/{uploaded['id']}/download?format=bmp", headers=alice.headers)
    assert error(bad)[:2] == (400, "invalid_query")


def test_users_see_only_their_own_images(alice: Account, bob: Account) -> None:
    mine = alice.upload("rocket.jpg")["id"]
    assert bob.client.get("/images", headers=bob.headers).json()["total"] == 0
    for method, path in [
        ("GET", f"/images/{mine}"),
        ("DELETE", f"/images/{mine}"),
        ("GET", f"/images/{mine}/download"),
    ]:
        assert error(bob.client.request(method, path, headers=bob.headers)) == (404, "image_not_found", "No such image")
    transform = bob.client.post(
        f"/images/{mine}/transform", headers=bob.headers, json={"transformations": {"rotate": 90}}
    )
    assert error(transform)[:2] == (404, "image_not_found")
    sign = bob.client.post("/sign", headers=bob.headers, json={"items": [{"id": mine}]})
    assert error(sign) == (404, "image_not_found", "items[0].id: no such image")
    assert alice.client.get(f"/images/{mine}", headers=alice.headers).status_code == 200


def test_delete_removes_original_and_derivatives(alice: Account) -> None:
    uploaded = alice.upload("rocket.jpg")
    derived = alice.client.post(
        f"/images/{uploaded['id']}/transform",
        headers=alice.headers,
        json={"transformations": {"resize": {"width": 100}}},
    ).json()["url"]
    assert alice.client.get(derived).status_code == 200
    assert alice.client.delete(f"/images/{uploaded['id']}", headers=alice.headers).status_code == 204
    assert alice.client.get(uploaded["url"]).status_code == 404
    gone = alice.client.get(derived)
    assert gone.status_code == 404
    assert gone.text == "No such image\n"
    assert alice.client.get(f"/images/{uploaded['id']}", headers=alice.headers).status_code == 404
    services = services_of(alice.client)
    assert not any(services.settings.originals_dir.rglob("*")) or not any(
        p.is_file() for p in services.settings.originals_dir.rglob("*")
    )
    assert alice.client.delete(f"/images/{uploaded['id']}", headers=alice.headers).status_code == 404


def test_transform_body_renders_and_signs(alice: Account) -> None:
    uploaded = alice.upload("rocket.jpg")
    response = alice.client.post(
        f"/images/{uploaded['id']}/transform",
        headers=alice.headers,
        json={
            "transformations": {
                "crop": {"width": 400, "height": 300, "x": 100, "y": 50},
                "resize": {"width": 200, "height": 150},
                "rotate": 90,
                "flip": True,
                "filters": {"grayscale": True, "sepia": True},
                "format": "webp",
                "quality": 70,
            }
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transformation"] == (
        "c_crop,w_400,h_300,x_100,y_50/w_200,h_150/a_90/a_vflip/e_grayscale/e_sepia/f_webp,q_70"
    )
    assert (body["width"], body["height"], body["format"]) == (150, 200, "webp")
    image = fetch(alice.client, body["url"])
    assert (image.width, image.height) == (150, 200)
    assert image.get("vips-loader").startswith("webpload")
    assert body["bytes"] == len(alice.client.get(body["url"]).content)
    assert body["url"].endswith(f"/{uploaded['id']}.webp")


def test_transform_keeps_the_original_format_by_default(alice: Account) -> None:
    uploaded = alice.upload("coffee.png")
    body = alice.client.post(
        f"/images/{uploaded['id']}/transform",
        headers=alice.headers,
        json={"transformations": {"resize": {"width": 300, "height": 300, "mode": "pad"}, "mirror": True}},
    ).json()
    assert body["transformation"] == "c_pad,w_300,h_300/a_hflip"
    assert (body["width"], body["height"], body["format"]) == (300, 300, "png")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "transformations: expected an object"),
        (
            {"transformations": {"resize": {"width": -1}}},
            "transformations.resize.width: expected an integer between 1 and 16383",
        ),
        (
            {"transformations": {"resize": {"width": "300"}}},
            "transformations.resize.width: expected an integer between 1 and 16383",
        ),
        ({"transformations": {"resize": {}}}, "transformations.resize: expected width and/or height"),
        (
            {"transformations": {"resize": {"width": 10, "mode": "stretch"}}},
            "transformations.resize.mode: expected one of auto, fill, fill_pad, fit, lfill, limit, lpad, mfit, pad, scale, thumb",
        ),
        (
            {"transformations": {"crop": {"width": 10}}},
            "transformations.crop.height: expected an integer (it is required)",
        ),
        ({"transformations": {"rotate": "left"}}, "transformations.rotate: expected a number between -360 and 360 (degrees)"),
        (
            {"transformations": {"format": "bmp"}},
            "transformations.format: expected auto or one of jpg, png, webp, avif, gif, tiff",
        ),
        ({"transformations": {"filters": {"glow": True}}}, "transformations.filters.glow: unknown field"),
        ({"transformations": {"flip": "yes"}}, "transformations.flip: expected true or false"),
        ({"transformations": {"quality": 0}}, "transformations.quality: expected an integer between 1 and 100"),
        ({"transformations": {"sharpness": 1}}, "transformations.sharpness: unknown field"),
        ({"transform": {}}, "transform: unknown field"),
    ],
)
def test_transform_body_errors_name_the_field(alice: Account, body: dict, message: str) -> None:  # type: ignore[type-arg]
    uploaded = alice.upload("coffee.png")
    response = alice.client.post(f"/images/{uploaded['id']}/transform", headers=alice.headers, json=body)
    status, _code, text = error(response)
    assert status == 400
    assert text.startswith(message)


def test_transform_over_the_output_cap_is_400(alice: Account) -> None:
    uploaded = alice.upload("coffee.png")
    response = alice.client.post(
        f"/images/{uploaded['id']}/transform",
        headers=alice.headers,
        json={"transformations": {"resize": {"width": 10000}}},
    )
    assert error(response) == (400, "invalid_transformation", "Invalid w_10000: the largest width is 8192 pixels")


def test_sign_many(alice: Account) -> None:
    a, b = alice.upload("rocket.jpg")["id"], alice.upload("coffee.png")["id"]
    response = alice.client.post(
        "/sign",
        headers=alice.headers,
        json={
            "items": [
                {"id": a, "transformation": "c_fill,w_100,h_100", "format": "webp"},
                {"id": b},
                {"id": b, "transformation": "e_grayscale", "format": "jpeg"},
            ]
        },
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["format"] for item in items] == ["webp", "png", "jpg"]
    assert fetch(alice.client, items[0]["url"]).width == 100
    assert fetch(alice.client, items[1]["url"]).width == 600
    assert fetch(alice.client, items[2]["url"]).get("vips-loader").startswith("jpegload")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"items": []}, "items: expected a list of 1 to 100 objects"),
        ({"items": [{"transformation": "w_1"}]}, "items[0].id: expected an image id"),
        ({"items": "x"}, "items: expected a list of 1 to 100 objects"),
    ],
)
def test_sign_errors(alice: Account, body: dict, message: str) -> None:  # type: ignore[type-arg]
    assert error(alice.client.post("/sign", headers=alice.headers, json=body))[2] == message


def test_sign_validates_transformation_and_format(alice: Account) -> None:
    image = alice.upload("coffee.png")["id"]
    bad = alice.client.post("/sign", headers=alice.headers, json={"items": [{"id": image, "transformation": "w_x"}]})
    assert error(bad)[2].startswith("items[0].transformation: Invalid w_x: expected an integer")
    fmt = alice.client.post("/sign", headers=alice.headers, json={"items": [{"id": image, "format": "bmp"}]})
    assert error(fmt)[2] == "items[0].format: expected one of jpg, png, webp, avif, gif, tiff"
