"""Public ids at upload (Cloudinary's naming options), their rules, overwrite, and the JSON API taking them."""

from __future__ import annotations

import io
import sqlite3

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.clouds.publicids import Naming, check_public_id, filename_stem
from imgorigin.config import Settings
from imgorigin.errors import BadRequest
from imgorigin.state.db import Database
from imgorigin.storage import original_key
from tests.helpers import Account, error, photo, services_of


def upload(account: Account, name: str = "rocket.jpg", filename: str | None = None,
           **fields: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = account.post(name, filename=filename, form=fields)
    return response.status_code, response.json()


def pixels(client: TestClient, url: str) -> pyvips.Image:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def test_an_upload_without_a_name_has_its_random_id_as_public_id(alice: Account) -> None:
    body = alice.upload()
    assert body["public_id"] == body["id"]
    assert isinstance(body["version"], int) and body["version"] > 1_700_000_000


def test_folder_and_public_id_make_the_public_id(client: TestClient, alice: Account) -> None:
    status, body = upload(alice, public_id="cat", folder="samples/animals")
    assert status == 201
    assert body["public_id"] == "samples/animals/cat" and body["id"] != body["public_id"]
    shown = client.get("/images/samples/animals/cat", headers=alice.headers)
    assert shown.status_code == 200 and shown.json()["id"] == body["id"]
    # /t/ keeps addressing the image by its storage id
    assert pixels(client, shown.json()["url"]).width == 640
    pointer = services_of(client).published.pointer("alice", "samples/animals/cat")
    assert (pointer.image_id, pointer.version, pointer.format) == (body["id"], body["version"], "jpeg")


def test_unicode_and_spaces_are_allowed(client: TestClient, alice: Account) -> None:
    status, body = upload(alice, public_id="fotos/año nuevo 2024.v2")
    assert status == 201 and body["public_id"] == "fotos/año nuevo 2024.v2"
    assert client.get("/images/fotos/año nuevo 2024.v2", headers=alice.headers).json()["id"] == body["id"]


def test_use_filename_with_and_without_a_unique_suffix(alice: Account) -> None:
    status, body = upload(alice, filename="My Rocket (1).JPG", use_filename="true", unique_filename="false")
    assert (status, body["public_id"]) == (201, "My Rocket _1")
    status, body = upload(alice, filename="My Rocket (1).JPG", use_filename="true", folder="launches")
    assert status == 201
    stem, suffix = body["public_id"].rsplit("_", 1)
    assert stem == "launches/My Rocket _1" and len(suffix) == 6 and suffix.isalnum()


def test_a_clash_without_overwrite_is_409_and_keeps_the_first(client: TestClient, alice: Account) -> None:
    _, first = upload(alice, public_id="logo")
    assert error(client.post("/images", headers=alice.headers, data={"public_id": "logo", "overwrite": "false"},
                             files={"file": ("c.png", io.BytesIO(photo("coffee.png")), "image/png")})) == (
        409, "public_id_exists", "An image with public id 'logo' already exists (overwrite is false)")
    shown = client.get("/images/logo", headers=alice.headers).json()
    assert (shown["id"], shown["format"]) == (first["id"], "jpeg")


def test_overwrite_replaces_bumps_the_version_and_purges_derivatives(client: TestClient, alice: Account) -> None:
    services = services_of(client)
    _, first = upload(alice, public_id="hero")
    assert pixels(client, first["url"]).width == 640
    derived = client.post(f"/images/{first['id']}/transform", headers=alice.headers, json={"transformations": {"resize": {"width": 100}}}).json()
    assert pixels(client, derived["url"]).width == 100
    assert first["id"] in services.cache.image_ids()

    status, second = upload(alice, "coffee.png", public_id="hero")
    assert status == 201
    assert second["public_id"] == "hero" and second["id"] != first["id"]
    assert second["version"] > first["version"]
    assert client.get("/images/hero", headers=alice.headers).json()["format"] == "png"
    assert first["id"] not in services.cache.image_ids()  # derivatives of the replaced image are gone
    assert not services.storage.exists(original_key(first["id"]))
    assert client.get(first["url"]).status_code == 404
    assert services.published.pointer("alice", "hero").image_id == second["id"]
    total = client.get("/images", headers=alice.headers).json()["total"]
    assert total == 1


def test_public_ids_are_per_account(client: TestClient, alice: Account, bob: Account) -> None:
    _, mine = upload(alice, public_id="shared/name")
    status, theirs = upload(bob, "coffee.png", public_id="shared/name", overwrite="false")
    assert status == 201 and theirs["id"] != mine["id"]
    assert client.get("/images/shared/name", headers=alice.headers).json()["format"] == "jpeg"
    assert client.get("/images/shared/name", headers=bob.headers).json()["format"] == "png"


def test_delete_by_public_id_unpublishes_it(client: TestClient, alice: Account) -> None:
    upload(alice, public_id="a/b")
    assert client.delete("/images/a/b", headers=alice.headers).status_code == 204
    assert services_of(client).published.pointer("alice", "a/b") is None
    assert error(client.get("/images/a/b", headers=alice.headers))[:2] == (404, "image_not_found")


def test_sign_and_transform_take_public_ids(client: TestClient, alice: Account) -> None:
    _, body = upload(alice, public_id="x/y")
    signed = client.post("/sign", headers=alice.headers, json={"items": [{"id": "x/y", "transformation": "w_50"}]})
    assert pixels(client, signed.json()["items"][0]["url"]).width == 50
    made = client.post("/images/x/y/transform", headers=alice.headers, json={"transformations": {"resize": {"width": 60}}}).json()
    assert made["id"] == body["id"] and pixels(client, made["url"]).width == 60


BAD_PUBLIC_IDS = [
    ("../etc/passwd", "public_id may not have empty, '.' or '..' folders"),
    ("a/../b", "public_id may not have empty, '.' or '..' folders"),
    ("a//b", "public_id may not have empty, '.' or '..' folders"),
    ("./a", "public_id may not have empty, '.' or '..' folders"),
    ("/abs", "public_id may not begin or end with whitespace or '/'"),
    ("trailing/", "public_id may not begin or end with whitespace or '/'"),
    (" padded", "public_id may not begin or end with whitespace or '/'"),
    ("a%2Fb", "public_id may not contain '%': '?&#\\%<>+' and control characters are not allowed"),
    ("q?x=1", "public_id may not contain '?': '?&#\\%<>+' and control characters are not allowed"),
    ("back\\slash", "public_id may not contain '\\\\': '?&#\\%<>+' and control characters are not allowed"),
    ("nul\x00byte", "public_id may not contain '\\x00': '?&#\\%<>+' and control characters are not allowed"),
    ("<script>", "public_id may not contain '<', '>': '?&#\\%<>+' and control characters are not allowed"),
    ("v1/cat", "public_id: a folder may not be named 'v' followed by digits ('v1')"),
    ("x" * 256, "public_id must be at most 255 characters"),
    ("a/ b", "public_id: a name between '/' may not begin or end with whitespace"),
]


@pytest.mark.parametrize(("public_id", "message"), BAD_PUBLIC_IDS)
def test_malformed_public_ids_are_400(client: TestClient, alice: Account, public_id: str, message: str) -> None:
    response = client.post("/images", headers=alice.headers, data={"public_id": public_id},
                           files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
    assert error(response) == (400, "invalid_public_id", message)


def test_malformed_folders_and_options_are_400(client: TestClient, alice: Account) -> None:
    assert error(client.post("/images", headers=alice.headers, data={"folder": "v2"},
                             files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")}))[:2] == (
        400, "invalid_public_id")
    assert error(client.post("/images", headers=alice.headers, data={"overwrite": "maybe"},
                             files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})) == (
        400, "invalid_upload_option", "overwrite must be true or false")


def test_checks_without_the_app() -> None:
    assert check_public_id("v1") == "v1"  # a name may look like a version; only folders may not
    assert check_public_id("日本/猫") == "日本/猫"
    with pytest.raises(BadRequest):
        check_public_id("a\u202eb")  # a bidi override is not printable
    assert filename_stem("...jpg") == ""
    assert Naming(use_filename=True, unique_filename=False).choose("...jpg", "RANDOM") == "RANDOM"
    assert Naming(folder="f").choose("x.png", "RANDOM") == "f/RANDOM"


def test_images_stored_before_public_ids_keep_their_ids(settings: Settings, alice: Account) -> None:
    body = alice.upload()
    conn = sqlite3.connect(settings.db_path)
    conn.execute("drop index images_public_id")
    conn.execute("update images set public_id = null, version = null")
    conn.commit()
    conn.close()
    database = Database(settings.db_path)  # migrates again
    record = database.image(1, body["id"])
    assert record is not None and record.public_id == body["id"]
    assert record.version is not None and record.version > 1_700_000_000
