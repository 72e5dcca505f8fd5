"""Originals in a real S3-compatible server (moto, in a subprocess over HTTP on loopback).

Two outage shapes are shown. A *stopped* server (SIGSTOP: the port accepts connections, nothing answers)
keeps its memory, so it shows the whole story: 503 with Retry-After while it is stopped, then the same
request succeeds once it continues and every image is still there. A *killed* server refuses
connections (the fast-failure path); moto loses its memory when killed, so after a fresh server starts
on the same port the test shows recovery (the bucket is recreated, uploads and deliveries work) but not
the survival of old objects, which is the object store's job and not something moto can model.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
import pyvips

from imgorigin.config import Settings
from imgorigin.errors import Unavailable
from imgorigin.storage.s3 import S3Storage
from tests.helpers import Account, AppClient, make_settings, photo, register
from tests.integration.servers import MotoServer

pytestmark = pytest.mark.integration

BUCKET = "imgorigin-test"
# Connect/read timeout and one retry: an outage costs a request about two seconds, bounded.
OUTAGE_BOUND = 6.0


def s3_settings(tmp_path: Path, moto: MotoServer, **overrides: Any) -> Settings:
    return make_settings(tmp_path, **moto.settings(BUCKET, s3_timeout=1.0, s3_retries=1, **overrides))


def bucket_keys(moto: MotoServer) -> set[str]:
    """The image files in the bucket (not the accounts' published state: cloudstate/, publicids/)."""
    return {key for key in moto.keys(BUCKET) if not key.startswith(("cloudstate/", "publicids/"))}


def published_ids(moto: MotoServer) -> int:
    return sum(key.startswith("publicids/") for key in moto.keys(BUCKET))


def image_of(response: Any) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def signed(account: Account, image_id: str, transformation: str, fmt: str = "jpg") -> str:
    response = account.client.post("/sign", headers=account.headers, json={
        "items": [{"id": image_id, "transformation": transformation, "format": fmt}],
    })
    assert response.status_code == 200, response.text
    return str(response.json()["items"][0]["url"])


def test_upload_deliver_restart_delete(tmp_path: Path, moto: MotoServer) -> None:
    settings = s3_settings(tmp_path, moto)
    with AppClient(settings) as client:
        alice = register(client, "alice")
        image = alice.upload("rocket.jpg")
        assert bucket_keys(moto) == {f"originals/{image['id']}"}
        assert published_ids(moto) == 1
        assert not (settings.data_dir / "originals").exists()
        first = client.get(signed(alice, image["id"], "c_fill,w_200,h_100"))
        assert first.headers["x-cache"] == "MISS"
        assert (image_of(first).width, image_of(first).height) == (200, 100)
        download = client.get(f"/images/{image['id']}/download", headers=alice.headers)
        assert download.status_code == 200 and download.content == photo("rocket.jpg")

    # A new app on the same settings (a restart, or another render node): the original comes from S3.
    with AppClient(settings) as client:
        alice.client = client
        url = signed(alice, image["id"], "c_scale,w_320")
        response = client.get(url)
        assert response.headers["x-cache"] == "MISS"
        assert (image_of(response).width, image_of(response).height) == (320, 214)
        assert client.delete(f"/images/{image['id']}", headers=alice.headers).status_code == 204
        assert bucket_keys(moto) == set()
        assert published_ids(moto) == 0
        gone = client.get(signed_path_of(url, settings))
        assert gone.status_code == 404 and gone.text == "No such image\n"


def signed_path_of(url: str, settings: Settings) -> str:
    """The delivery path of ``url`` with a cache-busting transformation nobody rendered before."""
    from imgorigin.client.urls import signed_path

    image_id = url.rsplit("/", 1)[1].split(".")[0]
    return signed_path(settings.signing_secret, image_id, "c_scale,w_321", "jpg")


def test_stopped_server_answers_503_and_the_same_request_succeeds_after(tmp_path: Path, moto: MotoServer) -> None:
    settings = s3_settings(tmp_path, moto)
    with AppClient(settings) as client:
        alice = register(client, "alice")
        image = alice.upload("rocket.jpg")
        cached_url = signed(alice, image["id"], "w_100")
        assert client.get(cached_url).status_code == 200
        url = signed(alice, image["id"], "c_fill,w_150,h_150/e_grayscale")

        moto.pause()
        try:
            started = time.monotonic()
            response = client.get(url)
            assert time.monotonic() - started < OUTAGE_BOUND
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert response.headers["cache-control"] == "no-store"
            assert response.text == "Storage is unavailable; retry shortly\n"

            # Already rendered derivatives keep flowing from this node's cache during the outage.
            hit = client.get(cached_url)
            assert hit.status_code == 200 and hit.headers["x-cache"] == "HIT"

            started = time.monotonic()
            upload = client.post("/images", headers=alice.headers,
                                 files={"file": ("coffee.png", io.BytesIO(photo("coffee.png")), "image/png")})
            assert time.monotonic() - started < OUTAGE_BOUND
            assert upload.status_code == 503
            assert upload.headers["retry-after"] == "5"
            assert upload.json() == {"error": {"code": "storage_unavailable",
                                               "message": "Storage is unavailable; retry shortly"}}
            assert not list((settings.data_dir / "tmp").glob("upload-*"))  # the spooled body is gone too

            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
        finally:
            moto.resume()

        listing = client.get("/images", headers=alice.headers).json()
        assert [item["id"] for item in listing["items"]] == [image["id"]]  # no row for the failed upload

        again = client.get(url)
        assert again.headers["x-cache"] == "MISS"
        rendered = image_of(again)
        assert (rendered.width, rendered.height) == (150, 150)
        assert rendered.bands == 1 or (rendered[0] - rendered[1]).abs().max() <= 2  # e_grayscale was applied
        assert client.get(f"/images/{image['id']}/download", headers=alice.headers).content == photo("rocket.jpg")
        assert client.get("/readyz").status_code == 200
        assert alice.upload("coffee.png")["format"] == "png"  # the retried upload goes through


def test_killed_server_fails_fast_and_a_fresh_server_is_used_again(tmp_path: Path, moto: MotoServer) -> None:
    settings = s3_settings(tmp_path, moto)
    with AppClient(settings) as client:
        alice = register(client, "alice")
        image = alice.upload("rocket.jpg")
        moto.stop()

        started = time.monotonic()
        response = client.get(signed(alice, image["id"], "w_90"))
        assert time.monotonic() - started < OUTAGE_BOUND
        assert (response.status_code, response.headers["retry-after"]) == (503, "5")
        upload = client.post("/images", headers=alice.headers,
                             files={"file": ("logo.png", io.BytesIO(photo("logo.png")), "image/png")})
        assert upload.status_code == 503
        assert client.get("/images", headers=alice.headers).json()["total"] == 1

        moto.start()  # same port, empty memory: the bucket is created again on first use
        fresh = alice.upload("logo.png")
        assert bucket_keys(moto) == {f"originals/{fresh['id']}"}
        assert client.get(signed(alice, fresh["id"], "w_64", "png")).status_code == 200


def test_storage_protocol_on_s3(tmp_path: Path, moto: MotoServer) -> None:
    storage = S3Storage.from_settings(s3_settings(tmp_path, moto, s3_bucket="protocol"))
    storage.ping()  # creates the bucket
    source = tmp_path / "object"
    source.write_bytes(b"x" * 1000)
    storage.put("originals/abc", source)
    storage.put("levels/abc", source)
    assert storage.exists("originals/abc") and not storage.exists("originals/nope")
    blob = storage.get("originals/abc")
    assert blob is not None and blob.data == b"x" * 1000 and blob.path is None
    assert storage.get("originals/nope") is None
    assert list(storage.keys("originals")) == ["originals/abc"]
    storage.delete("originals/abc")
    storage.delete("originals/abc")  # deleting a missing object is not an error
    assert not storage.exists("originals/abc")

    moto.stop()
    started = time.monotonic()
    with pytest.raises(Unavailable) as failure:
        storage.get("levels/abc")
    assert time.monotonic() - started < OUTAGE_BOUND
    assert failure.value.status == 503 and failure.value.retry_after == 5
    assert moto.endpoint not in failure.value.message and "levels" not in failure.value.message
    assert failure.value.detail is not None and "get" in failure.value.detail
