"""Pyramid levels in a real S3-compatible server (moto): written at upload, read by renders, deleted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.storage import pyramid_key
from tests.conftest import make_settings, register
from tests.imaging import decode, photo_mosaic
from tests.integration.servers import MotoServer

pytestmark = pytest.mark.integration
BUCKET = "pyramid-test"


def keys(moto: MotoServer) -> set[str]:
    return moto.keys(BUCKET)


def test_levels_live_next_to_the_original_in_s3(tmp_path: Path, moto: MotoServer) -> None:
    settings = make_settings(tmp_path, **moto.settings(BUCKET, cache_size=0, allow_unsigned=True))
    with TestClient(create_app(settings)) as client:
        account = register(client, "s3pyr")
        response = client.post("/images", headers=account.headers, files={
            "file": ("big.jpg", io.BytesIO(photo_mosaic(2400, 1800)), "application/octet-stream")})
        assert response.status_code == 201, response.text
        image_id = response.json()["id"]
        assert {f"originals/{image_id}", pyramid_key(image_id, 2), pyramid_key(image_id, 8)} <= keys(moto)

        # a flat red 1/8 level: a render that reads it comes out red
        storage = client.app.state.services.storage  # type: ignore[attr-defined]
        flat = tmp_path / "red.jpg"
        red = pyvips.Image.black(300, 225, bands=3).add([255, 0, 0]).cast("uchar")
        red.copy(interpretation="srgb").write_to_file(str(flat))
        storage.put(pyramid_key(image_id, 8), flat)
        small = decode(client.get(f"/t/w_150/{image_id}.png").content)
        assert (small.width, small.height) == (150, 113)
        assert small[0].avg() > 250 and small[1].avg() < 5

        assert client.delete(f"/images/{image_id}", headers=account.headers).status_code == 204
        assert not {k for k in keys(moto) if image_id in k}
