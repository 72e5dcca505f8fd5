"""GET /t/...: signatures, parsing, cache headers, conditional requests, errors as plain text."""

from __future__ import annotations

import dataclasses

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.security import short_signature
from imgorigin.services.wiring import Services
from tests.helpers import TEST_URL_SECRET, Account, AppClient, make_settings, register, services_of, signed


@pytest.fixture
def image_id(alice: Account) -> str:
    return str(alice.upload("rocket.jpg")["id"])


def dims(content: bytes) -> tuple[int, int]:
    image = pyvips.Image.new_from_buffer(content, "")
    return image.width, image.height


def test_signed_url_renders_with_cache_headers(client: TestClient, image_id: str) -> None:
    response = client.get(signed("c_fill,w_300,h_200", f"{image_id}.webp"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"].startswith('"') and len(response.headers["etag"]) == 34
    assert response.headers["x-cache"] == "MISS"
    assert "vary" not in response.headers
    assert dims(response.content) == (300, 200)
    again = client.get(signed("c_fill,w_300,h_200", f"{image_id}.webp"))
    assert again.headers["x-cache"] == "HIT"
    assert again.content == response.content


def test_parameter_order_shares_one_cache_entry(client: TestClient, image_id: str) -> None:
    first = client.get(signed("w_300,c_fill,h_200", f"{image_id}.jpg"))
    second = client.get(signed("c_fill,h_200,w_300", f"{image_id}.jpg"))
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == "HIT"
    assert first.headers["etag"] == second.headers["etag"]


def test_if_none_match_gives_304(client: TestClient, image_id: str) -> None:
    url = signed("w_100", f"{image_id}.png")
    etag = client.get(url).headers["etag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_if_none_match_follows_rfc_9110(client: TestClient, image_id: str) -> None:
    url = signed("w_100", f"{image_id}.png")
    etag = client.get(url).headers["etag"]
    for header in (f"W/{etag}", f'"other", {etag}', f'W/"other",W/{etag}', "*"):
        response = client.get(url, headers={"If-None-Match": header})
        assert (response.status_code, response.headers["etag"]) == (304, etag), header
    assert client.get(url, headers={"If-None-Match": f"{etag[1:-1]}"}).status_code == 200


def test_if_none_match_star_renders_what_is_not_cached(client: TestClient, image_id: str) -> None:
    response = client.get(signed("w_90", f"{image_id}.png"), headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert dims(response.content)[0] == 90


def test_head_request(client: TestClient, image_id: str) -> None:
    url = signed("w_100", f"{image_id}.png")
    full = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))


def test_version_segment_is_ignored_by_signature_and_render(client: TestClient, image_id: str) -> None:
    base = signed("w_120", f"{image_id}.jpg")
    signature, _rest = base.removeprefix("/t/").split("/", 1)
    versioned = f"/t/{signature}/w_120/v1699999999/{image_id}.jpg"
    response = client.get(versioned)
    assert response.status_code == 200
    assert dims(response.content) == (120, 80)
    assert response.headers["etag"] == client.get(base).headers["etag"]


def test_extension_and_f_override(client: TestClient, image_id: str) -> None:
    assert client.get(signed("w_50", f"{image_id}.png")).headers["content-type"] == "image/png"
    assert client.get(signed("w_50", f"{image_id}.jpeg")).headers["content-type"] == "image/jpeg"
    override = client.get(signed("w_50/f_avif", f"{image_id}.jpg"))
    assert override.headers["content-type"] == "image/avif"
    assert pyvips.Image.new_from_buffer(override.content, "").get("vips-loader").startswith("heifload")


def test_f_auto_negotiates_and_varies(client: TestClient, image_id: str) -> None:
    url = signed("w_50,f_auto", f"{image_id}.jpg")
    avif = client.get(url, headers={"Accept": "image/avif,image/webp,*/*"})
    webp = client.get(url, headers={"Accept": "image/webp,*/*"})
    other = client.get(url, headers={"Accept": "*/*"})
    assert [r.headers["content-type"] for r in (avif, webp, other)] == ["image/avif", "image/webp", "image/jpeg"]
    assert all(r.headers["vary"] == "Accept" for r in (avif, webp, other))
    assert len({r.headers["etag"] for r in (avif, webp, other)}) == 3


def test_missing_signature_is_401(client: TestClient, image_id: str) -> None:
    response = client.get(f"/t/w_100/{image_id}.jpg")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "This URL needs a signature (s--...--)\n"
    assert response.headers["cache-control"] == "no-store"
    assert client.get(f"/t/{image_id}.jpg").status_code == 401


def test_wrong_signature_is_403(client: TestClient, image_id: str) -> None:
    good = signed("w_100", f"{image_id}.jpg")
    tampered = good.replace("w_100", "w_101")
    response = client.get(tampered)
    assert (response.status_code, response.text) == (403, "Invalid signature\n")
    other_secret = signed("w_100", f"{image_id}.jpg", secret="some-other-secret-0123456789")
    assert client.get(other_secret).status_code == 403


def test_short_signatures_only_when_allowed(tmp_path, image_id: str, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    short = f"/t/{short_signature(f'w_100/{image_id}.jpg', TEST_URL_SECRET)}/w_100/{image_id}.jpg"
    assert client.get(short).status_code == 403
    settings = services_of(client).settings
    relaxed = make_settings(tmp_path / "same", allow_short_signatures=True, data_dir=settings.data_dir)
    with AppClient(relaxed) as other:
        assert other.get(short).status_code == 200


def test_unsigned_allowed_by_setting(tmp_path, image_id: str, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    settings = services_of(client).settings
    open_settings = make_settings(tmp_path / "x", allow_unsigned=True, data_dir=settings.data_dir)
    with AppClient(open_settings) as other:
        response = other.get(f"/t/w_64/{image_id}.png")
        assert response.status_code == 200
        assert dims(response.content)[0] == 64


def test_secret_rotation(tmp_path, image_id: str, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    settings = services_of(client).settings
    new_secret = "the-new-url-secret-0123456789abc"
    rotated = make_settings(tmp_path / "r", url_secret=(new_secret, TEST_URL_SECRET), data_dir=settings.data_dir)
    with AppClient(rotated) as other:
        assert other.get(signed("w_90", f"{image_id}.jpg")).status_code == 200
        assert other.get(signed("w_90", f"{image_id}.jpg", secret=new_secret)).status_code == 200


@pytest.mark.parametrize(
    ("transformation", "message"),
    [
        (
            "w_abc",
            "Invalid w_abc: expected an integer between 1 and 16383 (pixels) or a decimal such as 0.5 "
            "(a fraction) for width",
        ),
        ("w_10,w_20", "Parameter w_ appears twice in the component 'w_10,w_20'"),
        ("zz_1", "Unknown parameter zz_ in 'zz_1'"),
        ("w_9000", "Invalid w_9000: the largest width is 8192 pixels"),
        ("/".join(["w_10"] * 13), "Too many components: 13 (the limit is 12)"),
        ("w_8000,h_8000,c_scale", "The result would be 8000x8000 pixels; the limit is 8192 per side and 40 megapixels"),
    ],
)
def test_bad_transformations_are_400(client: TestClient, image_id: str, transformation: str, message: str) -> None:
    response = client.get(signed(transformation, f"{image_id}.jpg"))
    assert response.status_code == 400
    assert response.text == message + "\n"


def test_unknown_extension_is_400(client: TestClient, image_id: str) -> None:
    response = client.get(signed("w_10", f"{image_id}.bmp"))
    assert (response.status_code, response.text) == (
        400,
        "Unknown extension .bmp: expected jpg, png, webp, avif, gif or tiff\n",
    )


def test_unknown_image_is_404(client: TestClient) -> None:
    response = client.get(signed("w_10", "AAAAAAAAAAAAAAAA.jpg"))
    assert (response.status_code, response.text) == (404, "No such image\n")
    assert client.get(signed("w_10", "not-an-id!.jpg")).status_code == 404


def test_delivery_never_touches_the_database(tmp_path, image_id: str, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    settings = services_of(client).settings
    fresh = make_settings(tmp_path / "n", data_dir=settings.data_dir)
    services = Services.build(fresh)
    assert services.control is not None
    services.control.db.close()
    # The same node without its database (services.db now raises): the delivery routes never had it.
    with TestClient(create_app(fresh, dataclasses.replace(services, control=None))) as other:
        response = other.get(signed("c_fit,w_200,h_200", f"{image_id}.png"))
        assert response.status_code == 200
        assert dims(response.content) == (200, 133)


def test_cache_can_be_turned_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with AppClient(make_settings(tmp_path, cache_size=0)) as client:
        account = register(client, "erin")
        image = account.upload("coffee.png")["id"]
        url = signed("w_30", f"{image}.png")
        assert client.get(url).headers["x-cache"] == "MISS"
        assert client.get(url).headers["x-cache"] == "MISS"
