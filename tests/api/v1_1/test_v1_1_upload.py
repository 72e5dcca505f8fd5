"""``cloudinary.uploader.upload`` against a live server: stored rows, files and pixels, and the answer."""

from __future__ import annotations

import base64
import time

import cloudinary
import cloudinary.api
import cloudinary.uploader
import pytest
import pyvips
from cloudinary.exceptions import AlreadyExists

from imgorigin.security import long_signature
from tests.api.v1_1.sdk import Cloud, cloud_fixture, mean_colour, server_fixture, stored_file, stream  # noqa: F401 (the fixtures these tests use)
from tests.helpers import jpeg, png


def test_upload_bytes_answers_cloudinarys_fields_and_stores_the_image(cloud: Cloud) -> None:
    before = int(time.time())
    result = cloudinary.uploader.upload(stream(png(64, 48), "sunset.png"), public_id="sunset", tags="beach,summer",
                                        context="alt=A red sunset|caption=Red \\| warm")
    assert result["public_id"] == "sunset"
    assert (result["width"], result["height"], result["format"]) == (64, 48, "png")
    assert result["resource_type"] == "image" and result["type"] == "upload"
    assert result["version"] >= before and result["tags"] == ["beach", "summer"]
    assert result["context"] == {"custom": {"alt": "A red sunset", "caption": "Red | warm"}}
    assert result["original_filename"] == "sunset"
    assert result["created_at"].endswith("Z") and len(result["etag"]) == 32
    assert cloudinary.utils.verify_api_response_signature("sunset", result["version"], result["signature"])
    signature = long_signature("sunset.png", cloud.api_secret)  # signed: it serves under the strict policy
    assert result["secure_url"] == f"{cloud.base}/{cloud.name}/image/upload/{signature}/v{result['version']}/sunset.png"
    record = cloud.record("sunset")
    assert (record.width, record.height, record.format, record.bytes) == (64, 48, "png", result["bytes"])
    stored = stored_file(cloud, "sunset")
    assert pyvips.Image.new_from_file(str(stored)).avg() == pytest.approx(pyvips.Image.new_from_buffer(
        png(64, 48), "").avg())
    served = cloud.fetch(cloud.url("sunset", format="png", width=32, crop="scale"))
    assert (served.width, served.height) == (32, 24)
    assert mean_colour(served) == [200, 40, 40]
    assert cloud.fetch(result["secure_url"]).width == 64


def test_folder_and_public_id_make_a_folder_public_id(cloud: Cloud) -> None:
    result = cloudinary.uploader.upload(stream(jpeg(40, 30)), folder="samples/animals", public_id="cat")
    assert result["public_id"] == "samples/animals/cat"
    assert cloud.record("samples/animals/cat").format == "jpeg"
    assert cloudinary.api.root_folders()["folders"] == [{"name": "samples", "path": "samples"}]
    assert cloudinary.api.subfolders("samples")["folders"] == [{"name": "animals", "path": "samples/animals"}]
    served = cloud.fetch(cloud.url("samples/animals/cat", format="jpg", width=20, crop="scale"))
    assert (served.width, served.height) == (20, 15)


def test_overwrite_false_refuses_and_keeps_the_stored_image(cloud: Cloud) -> None:
    first = cloudinary.uploader.upload(stream(png(30, 30, (0, 200, 0))), public_id="logo")
    with pytest.raises(AlreadyExists, match="already exists"):
        cloudinary.uploader.upload(stream(png(50, 50)), public_id="logo", overwrite=False)
    record = cloud.record("logo")
    assert (record.width, record.version) == (30, first["version"])
    replaced = cloudinary.uploader.upload(stream(png(50, 40, (0, 0, 250))), public_id="logo", overwrite=True)
    assert replaced["version"] > first["version"] and replaced["width"] == 50
    assert cloud.record("logo").width == 50
    assert mean_colour(pyvips.Image.new_from_file(str(stored_file(cloud, "logo")))) == [0, 0, 250]
    assert mean_colour(cloud.fetch(cloud.url("logo", format="png", version=replaced["version"]))) == [0, 0, 250]


def test_eager_renders_before_answering_with_urls_that_serve(cloud: Cloud) -> None:
    result = cloudinary.uploader.upload(
        stream(jpeg(300, 200)), public_id="hero",
        eager=[{"width": 100, "height": 80, "crop": "fill"}, {"width": 50, "crop": "scale", "format": "png"}])
    first, second = result["eager"]
    assert first["transformation"] == "c_fill,h_80,w_100"
    assert (first["width"], first["height"], first["format"]) == (100, 80, "jpg")
    assert (second["width"], second["height"], second["format"]) == (50, 33, "png")
    image = cloud.fetch(first["secure_url"])
    assert (image.width, image.height) == (100, 80)
    assert cloud.fetch(second["secure_url"]).width == 50


def test_eager_async_queues_the_derivatives(cloud: Cloud) -> None:
    result = cloudinary.uploader.upload(stream(jpeg(120, 90)), public_id="later", eager="c_scale,w_60",
                                        eager_async=True)
    assert result["eager"][0]["status"] == "processing"
    jobs = cloud.services.db.eager_for(cloud.record("later").id)
    assert [(job.transformation, job.format) for job in jobs] == [("c_scale,w_60", "jpg")]
    assert cloud.fetch(result["eager"][0]["secure_url"]).width == 60


def test_a_data_uri_and_a_format_conversion(cloud: Cloud) -> None:
    uri = "data:image/png;base64," + base64.b64encode(png(20, 10, (10, 20, 30))).decode()
    result = cloudinary.uploader.upload(uri, public_id="inline", format="webp")
    assert (result["format"], result["width"], result["height"]) == ("webp", 20, 10)
    assert cloud.record("inline").format == "webp"
    assert mean_colour(pyvips.Image.new_from_file(str(stored_file(cloud, "inline")))) == pytest.approx(
        [10, 20, 30], abs=2)


def test_a_remote_url_from_an_allowed_host(cloud: Cloud) -> None:
    result = cloudinary.uploader.upload(f"{cloud.remote}/remote.png", folder="fetched", use_filename=True,
                                        unique_filename=False)
    assert (result["public_id"], result["width"], result["height"]) == ("fetched/remote", 24, 12)
    assert mean_colour(pyvips.Image.new_from_file(str(stored_file(cloud, "fetched/remote")))) == [10, 200, 10]
    assert cloud.fetch(cloud.url("fetched/remote", format="png")).width == 24


def test_use_filename_and_unique_filename(cloud: Cloud) -> None:
    plain = cloudinary.uploader.upload(stream(png(8, 8), "My Photo.png"), use_filename=True, unique_filename=False)
    assert plain["public_id"] == "My Photo"
    unique = cloudinary.uploader.upload(stream(png(8, 8), "My Photo.png"), use_filename=True)
    assert unique["public_id"].startswith("My Photo_") and len(unique["public_id"]) == len("My Photo_") + 6
    random = cloudinary.uploader.upload(stream(png(8, 8), "x.png"))
    assert len(random["public_id"]) == 16 and random["public_id"].isalnum()


def test_sha256_signatures(cloud: Cloud) -> None:
    cloudinary.config(signature_algorithm="sha256")
    result = cloudinary.uploader.upload(stream(png(12, 12)), public_id="strong")
    assert result["public_id"] == "strong" and len(result["signature"]) == 64
    assert cloudinary.utils.verify_api_response_signature("strong", result["version"], result["signature"],
                                                           algorithm="sha256")


def test_auto_upload_and_an_unsigned_preset(cloud: Cloud) -> None:
    assert cloudinary.uploader.upload(stream(png(9, 9)), resource_type="auto", public_id="auto")["width"] == 9
    cloudinary.api.create_upload_preset(name="visitors", unsigned=True, folder="guests", tags="unsigned")
    preset = cloudinary.api.upload_preset("visitors")
    assert preset["unsigned"] is True and preset["settings"] == {"folder": "guests", "tags": "unsigned"}
    result = cloudinary.uploader.unsigned_upload(stream(png(10, 10)), "visitors", public_id="me")
    assert result["public_id"] == "guests/me" and result["tags"] == ["unsigned"]
    assert "signature" not in result
    assert cloud.record("guests/me").width == 10
