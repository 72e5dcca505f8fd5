"""Responsive URLs as Cloudinary's Python SDK builds them (width="auto", dpr="auto", responsive_width),
signed with the account's key, served with client hints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clouds.cloudkit import Cloud, make_cloud
from tests.helpers import signed

WIDTH_VARY = "Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-DPR, DPR"


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    cloud = next(iter(make_cloud(tmp_path)))
    cloud.upload("rocket.jpg", public_id="cat")  # 640x427
    yield cloud


def test_width_auto_with_step_and_fallback(cloud: Cloud) -> None:
    url = cloud.sdk("cat", format="jpg", width="auto:100:300", crop="limit", sign_url=True)
    assert "/s--" in url and url.endswith("/c_limit,w_auto:100:300/cat.jpg")
    assert cloud.image(url).width == 300  # no hint: the fallback
    first = cloud.get(url, **{"Sec-CH-Width": "401"})
    second = cloud.get(url, **{"Sec-CH-Width": "499"})
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert first.headers["vary"] == WIDTH_VARY
    assert cloud.image(url, **{"Sec-CH-Width": "450"}).width == 500
    assert cloud.image(url, **{"Width": "2000"}).width == 640  # never past the original


def test_dpr_auto(cloud: Cloud) -> None:
    url = cloud.sdk("cat", format="png", width=100, dpr="auto", crop="scale", sign_url=True)
    assert url.endswith("/c_scale,dpr_auto,w_100/cat.png")
    assert cloud.image(url).width == 100
    assert cloud.image(url, **{"Sec-CH-DPR": "2.625"}).width == 300
    assert cloud.get(url, **{"DPR": "2"}).headers["vary"] == "Sec-CH-DPR, DPR"


def test_responsive_width_and_auto_width_with_auto_dpr(cloud: Cloud) -> None:
    responsive = cloud.sdk("cat", format="webp", width=400, crop="scale", responsive_width=True, sign_url=True)
    assert responsive.endswith("/c_scale,w_400/c_limit,w_auto/cat.webp")
    assert cloud.image(responsive).width == 400  # c_limit at the original's width changes nothing
    assert cloud.image(responsive, **{"Sec-CH-Width": "250"}).width == 300  # rounded up to the default 100

    both = cloud.sdk("cat", format="jpg", width="auto:50:200", dpr="auto", crop="limit", sign_url=True)
    assert both.endswith("/c_limit,dpr_auto,w_auto:50:200/cat.jpg")
    assert cloud.image(both, **{"Sec-CH-Width": "410", "Sec-CH-DPR": "2"}).width == 450  # device pixels, once
    assert cloud.image(both, **{"Sec-CH-DPR": "2"}).width == 400  # the fallback, at the ratio


def test_tampered_resolved_url_is_refused(cloud: Cloud) -> None:
    url = cloud.sdk("cat", format="jpg", width="auto:100", crop="limit", sign_url=True)
    assert cloud.get(url.replace("w_auto:100", "w_500")).status_code in (401, 403)


def test_the_cloud_layout_resolves_as_t_does(cloud: Cloud) -> None:
    storage_id = cloud.client.get("/images", headers=cloud.account.headers).json()["items"][0]["id"]
    url = cloud.sdk("cat", format="jpg", width="auto:100:300", crop="limit", sign_url=True)
    hinted = cloud.get(url, **{"Sec-CH-Width": "450"})
    plain = cloud.client.get(signed("c_limit,w_500", f"{storage_id}.jpg"))
    assert hinted.headers["etag"] == plain.headers["etag"]  # one entry, whichever layout named it
    probe = cloud.get(url, **{"Sec-CH-Width": "401", "X-Imgorigin-Probe": "1"})
    assert probe.status_code == 204
    assert f'"{probe.headers["x-imgorigin-variant"]}"' == plain.headers["etag"]
    for hostile in ("-1", "NaN", "9" * 30):
        assert cloud.image(url, **{"Sec-CH-Width": hostile}).width == 300
