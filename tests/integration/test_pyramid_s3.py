"""Pyramid levels in a real S3-compatible server (moto): written at upload, read by renders, deleted."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pyvips

from imgorigin.storage import header_key, original_key, pyramid_key
from tests.helpers import AppClient, make_settings, register, services_of, settle_levels
from tests.imaging import decode, photo_mosaic
from tests.integration.servers import MotoServer

pytestmark = pytest.mark.integration
BUCKET = "pyramid-test"


def keys(moto: MotoServer) -> set[str]:
    return moto.keys(BUCKET)


def test_levels_live_next_to_the_original_in_s3(tmp_path: Path, moto: MotoServer) -> None:
    settings = make_settings(tmp_path, **moto.settings(BUCKET, cache_size=0, allow_unsigned=True))
    with AppClient(settings) as client:
        account = register(client, "s3pyr")
        response = client.post("/images", headers=account.headers, files={
            "file": ("big.jpg", io.BytesIO(photo_mosaic(2400, 1800)), "application/octet-stream")})
        assert response.status_code == 201, response.text
        image_id = response.json()["id"]
        settle_levels(client, image_id)
        assert {f"originals/{image_id}", pyramid_key(image_id, 2), pyramid_key(image_id, 8)} <= keys(moto)

        # a flat red 1/8 level: a render that reads it comes out red
        storage = services_of(client).storage
        flat = tmp_path / "red.jpg"
        red = pyvips.Image.black(300, 225, bands=3).add([255, 0, 0]).cast("uchar")
        red.copy(interpretation="srgb").write_to_file(str(flat))
        storage.put(pyramid_key(image_id, 8), flat)
        small = decode(client.get(f"/t/w_150/{image_id}.png").content)
        assert (small.width, small.height) == (150, 113)
        assert small[0].avg() > 250 and small[1].avg() < 5

        assert client.delete(f"/images/{image_id}", headers=account.headers).status_code == 204
        assert not {k for k in keys(moto) if image_id in k}


class CountingHttp:
    """minio's urllib3 pool, recording each request: (method, object key, bytes in the response body)."""

    def __init__(self, http: Any, bucket: str) -> None:
        self.http = http
        self.prefix = f"/{bucket}/"
        self.calls: list[tuple[str, str, int]] = []

    def urlopen(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = self.http.urlopen(method, url, *args, **kwargs)
        path = urlsplit(url).path
        if path.startswith(self.prefix):
            self.calls.append((method, path.removeprefix(self.prefix), int(response.headers.get("content-length", 0))))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)


def test_a_render_a_level_serves_reads_only_that_level_and_the_header(tmp_path: Path, moto: MotoServer) -> None:
    settings = make_settings(tmp_path, **moto.settings(BUCKET, cache_size=0, allow_unsigned=True))
    with AppClient(settings) as client:
        account = register(client, "s3lazy")
        data = photo_mosaic(2400, 1800)
        response = client.post("/images", headers=account.headers, files={
            "file": ("big.jpg", io.BytesIO(data), "application/octet-stream")})
        assert response.status_code == 201, response.text
        image_id = response.json()["id"]
        settle_levels(client, image_id)
        storage = services_of(client).storage
        counter = CountingHttp(storage.client._http, BUCKET)
        storage.client._http = counter

        small = client.get(f"/t/w_150/{image_id}.png")  # the 1/8 level (300x225) serves it
        assert small.status_code == 200 and decode(small.content).width == 150
        gets = [(key, size) for method, key, size in counter.calls if method == "GET"]
        assert [key for key, _ in gets] == [header_key(image_id), pyramid_key(image_id, 8)]
        assert sum(size for _, size in gets) < len(data) / 10
        # The original is never read; after the render one HEAD checks it still exists (a delete meanwhile
        # must not leave the derivative cached).
        assert [method for method, key, _ in counter.calls if key == original_key(image_id)] in ([], ["HEAD"])

        counter.calls.clear()
        crop = client.get(f"/t/c_crop,w_200,h_100/{image_id}.png")  # crops need the original's pixels
        assert crop.status_code == 200
        gets = [(key, size) for method, key, size in counter.calls if method == "GET"]
        assert [key for key, _ in gets] == [header_key(image_id), original_key(image_id)]
        assert gets[1][1] == len(data)
