"""Unsigned URLs in Cloudinary's layouts under each policy, per account, with the open policy's brakes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from imgorigin.clouds import records
from imgorigin.clouds.accounts import publish_account
from tests.clouds.cloudkit import Cloud, make_cloud
from tests.helpers import error, photo, services_of


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    yield from make_cloud(tmp_path)


@pytest.fixture
def presets(tmp_path: Path) -> Path:
    path = tmp_path / "presets.json"
    path.write_text(json.dumps({"thumb": {"transformation": "c_fill,w_32,h_32", "unsigned": True},
                                "hero": "c_scale,w_48"}))
    return path


def unsigned(cloud: Cloud, transformation: str) -> tuple[int, str, int | None]:
    response = cloud.get(cloud.sdk("sample", format="png", raw_transformation=transformation) if transformation
                         else cloud.sdk("sample", format="png"))
    width = None
    if response.status_code == 200:
        import pyvips

        width = pyvips.Image.new_from_buffer(response.content, "").width
    return response.status_code, response.text if response.status_code != 200 else "", width


def name(cloud: Cloud, label: str, text: str, unsigned_ok: bool) -> None:
    services = services_of(cloud.client)
    user = services.db.user_with_hash("alice")[0]
    records.put_named_transformation(services.db, user.id, records.NamedTransformation(label, text, unsigned_ok, "now"))
    publish_account(services.db, services.publisher, user)


def test_strict_serves_only_named_transformations_declared_safe(tmp_path: Path, presets: Path) -> None:
    for cloud in make_cloud(tmp_path, presets_file=presets):
        cloud.upload("rocket.jpg", public_id="sample")
        name(cloud, "own_safe", "c_scale,w_24", True)
        name(cloud, "own", "c_scale,w_25", False)
        assert unsigned(cloud, "c_scale,w_50") == (401, "This URL needs a signature (s--...--)\n", None)
        assert unsigned(cloud, "t_thumb") == (200, "", 32)
        assert unsigned(cloud, "t_own_safe") == (200, "", 24)
        assert unsigned(cloud, "t_own")[0] == 401
        assert unsigned(cloud, "t_hero")[0] == 401
        assert unsigned(cloud, "")[0] == 401  # even the original needs a signature under strict


def test_allowlist_adds_named_and_listed_transformations(tmp_path: Path, presets: Path) -> None:
    for cloud in make_cloud(tmp_path, presets_file=presets):
        cloud.upload("rocket.jpg", public_id="sample")
        name(cloud, "own", "c_scale,w_25", False)
        cloud.set_policy("allowlist", ["w_50,c_scale", "c_fill,h_20,w_20/e_grayscale"])
        assert unsigned(cloud, "c_scale,w_50") == (200, "", 50)  # listed in another order: same canonical form
        assert unsigned(cloud, "c_fill,w_20,h_20/e_grayscale") == (200, "", 20)
        assert unsigned(cloud, "t_hero") == (200, "", 48)
        assert unsigned(cloud, "t_own") == (200, "", 25)
        assert unsigned(cloud, "c_scale,w_51") == (401, "This URL needs a signature (s--...--)\n", None)
        shown = cloud.client.get("/me/cloud", headers=cloud.account.headers).json()
        assert shown == {"cloud_name": "alice", "unsigned_policy": "allowlist",
                         "effective_unsigned_policy": "allowlist",
                         "allowed_transformations": ["c_fill,h_20,w_20/e_grayscale", "c_scale,w_50"]}


def test_open_serves_anything_with_a_render_rate_per_ip(tmp_path: Path) -> None:
    for cloud in make_cloud(tmp_path, unsigned_render_rate=3.0):
        cloud.upload("rocket.jpg", public_id="sample")
        cloud.set_policy("open")
        assert [unsigned(cloud, f"c_scale,w_{w}")[2] for w in (10, 11, 12)] == [10, 11, 12]
        status, text, _ = unsigned(cloud, "c_scale,w_13")
        assert (status, text) == (429, "Too many new unsigned renders; retry shortly\n")
        assert unsigned(cloud, "c_scale,w_10") == (200, "", 10)  # cached: no render, no brake


def test_open_caps_distinct_derivatives_per_image_per_day(tmp_path: Path) -> None:
    for cloud in make_cloud(tmp_path, unsigned_render_rate=0.0, unsigned_variants_per_day=2):
        cloud.upload("rocket.jpg", public_id="sample")
        cloud.set_policy("open")
        assert unsigned(cloud, "c_scale,w_10")[0] == 200
        assert unsigned(cloud, "c_scale,w_11")[0] == 200
        response = cloud.get(cloud.sdk("sample", format="png", raw_transformation="c_scale,w_12"))
        assert (response.status_code, response.text) == (
            429, "This image already has 2 unsigned derivatives today; sign the URL\n")
        assert 0 < int(response.headers["retry-after"]) <= 86400
        signed = cloud.sdk("sample", format="png", raw_transformation="c_scale,w_12", sign_url=True,
                           long_url_signature=True)
        assert cloud.image(signed).width == 12  # signed URLs are not capped


def test_the_policy_is_per_account_with_a_server_default(tmp_path: Path) -> None:
    from tests.helpers import register

    for cloud in make_cloud(tmp_path, unsigned_policy="open", unsigned_render_rate=0.0):
        cloud.upload("rocket.jpg", public_id="sample")
        assert unsigned(cloud, "c_scale,w_10")[2] == 10
        bob = register(cloud.client, "bob")
        bob.client.put("/me/cloud", headers=bob.headers, json={"unsigned_policy": "strict"})
        bob.client.post("/images", headers=bob.headers, data={"public_id": "sample"},
                        files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")))})
        assert cloud.get(cloud.sdk("sample", format="png", width=10, crop="scale", cloud_name="bob")).status_code == 401
        cloud.set_policy(None)  # back to the server's default
        shown = cloud.client.get("/me/cloud", headers=cloud.account.headers).json()
        assert (shown["unsigned_policy"], shown["effective_unsigned_policy"]) == (None, "open")


@pytest.mark.parametrize(("body", "message"), [
    ({"unsigned_policy": "lax"}, "unsigned_policy: expected strict, allowlist, open or null"),
    ({"allowed_transformations": "w_10"}, "allowed_transformations: expected a list of at most 200 strings"),
    ({"allowed_transformations": ["w_10"] * 201}, "allowed_transformations: expected a list of at most 200 strings"),
    ({"allowed_transformations": [1]}, "allowed_transformations: expected a list of at most 200 strings"),
    ({"allowed_transformations": ["w_99999999"]}, None),
    ({"allowed_transformations": ["t_nope"]}, "allowed_transformations[0]: Unknown preset t_nope"),
    ({"policy": "open"}, "Unknown field(s): policy"),
])
def test_cloud_settings_refuse_bad_input(cloud: Cloud, body: dict, message: str | None) -> None:  # type: ignore[type-arg]
    status, _, text = error(cloud.client.put("/me/cloud", headers=cloud.account.headers, json=body))
    assert status == 400
    if message is not None:
        assert text == message
    assert cloud.client.get("/me/cloud", headers=cloud.account.headers).json()["unsigned_policy"] is None


def test_eager_derivatives_are_allowed_under_allowlist(cloud: Cloud) -> None:
    cloud.set_policy("allowlist")
    response = cloud.client.post("/images", headers=cloud.account.headers,
                                 data={"public_id": "sample", "eager": "w_40,c_scale/png"},
                                 files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
    assert response.status_code == 201
    assert unsigned(cloud, "c_scale,w_40") == (200, "", 40)
    assert unsigned(cloud, "c_scale,w_41")[0] == 401
    assert cloud.client.get("/me/cloud", headers=cloud.account.headers).json()["allowed_transformations"] == [
        "c_scale,w_40"]
