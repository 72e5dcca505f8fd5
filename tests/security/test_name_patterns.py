"""Finding 18 and its siblings: no pattern accepts a trailing newline (Python's "$" matches before one),
non-ASCII digits or look-alike names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.delivery.url import split
from imgorigin.errors import ImgOriginError
from imgorigin.transform.plan import parse
from imgorigin.transform.presets import Presets
from tests.helpers import TEST_URL_SECRET, Account, register

USERNAME_RULE = ("username must be 3-32 characters: letters, digits, '_', '.' or '-', "
                 "starting and ending with a letter or digit")


@pytest.mark.parametrize("name", [
    "victim\n", "victim\r\n", "victim\t", "vic\x00tim", "victim ", " victim", "v\u0456ctim",  # Cyrillic i
    "\uff56ictim", "victim.", ".victim", "-victim", "victim_", "...", "vic\u200btim", "victim\u2028",
])
def test_usernames_that_pose_as_another_are_refused(client: TestClient, name: str) -> None:
    register(client, "victim")
    response = client.post("/register", json={"username": name, "password": "correct horse battery"})
    assert response.status_code == 400, name
    assert response.json()["error"] == {"code": "invalid_username", "message": USERNAME_RULE}


@pytest.mark.parametrize("name", ["bob", "Bob.Smith", "a-b_c.d", "x" * 32, "007"])
def test_ordinary_usernames_still_register(client: TestClient, name: str) -> None:
    assert client.post("/register", json={"username": name, "password": "correct horse battery"}).status_code == 201


def test_user_create_refuses_a_trailing_newline(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from imgorigin.environment import load_settings
    from imgorigin.state.datadir import initialise

    data = tmp_path / "data"
    initialise(load_settings(env={"IMGORIGIN_DATA_DIR": str(data)}))  # as serve leaves it
    env = {**os.environ, "IMGORIGIN_DATA_DIR": str(data), "IMGORIGIN_NEW_PASSWORD": "correct horse battery",
           "IMGORIGIN_BCRYPT_ROUNDS": "4"}
    done = subprocess.run([sys.executable, "-m", "imgorigin", "user", "create", "victim\n"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert USERNAME_RULE in done.stderr


@pytest.mark.parametrize("transformation", [
    "w_100\n", "w_\u0661\u0660\u0660", "w_0.5\n", "co_rgb:ff0000\n,e_colorize", "fl_attachment:name\n", "pg_2\n",
    "l_text:arial_20:hi,x_5\n",
])
def test_sign_refuses_a_trailing_newline_or_foreign_digits(client: TestClient, alice: Account,
                                                          transformation: str) -> None:
    image = alice.upload("logo.png")
    response = client.post("/sign", headers=alice.headers,
                           json={"items": [{"id": image["id"], "transformation": transformation}]})
    assert response.status_code == 400, (transformation, response.text)
    assert response.json()["error"]["code"] == "invalid_transformation"


def test_hash_lookup_refuses_a_trailing_newline(client: TestClient, alice: Account) -> None:
    digest = alice.upload("logo.png")["sha256"]
    assert client.get("/images", params={"sha256": digest}, headers=alice.headers).json()["total"] == 1
    response = client.get("/images", params={"sha256": digest + "\n"}, headers=alice.headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "sha256 must be 64 lowercase hexadecimal characters"


@pytest.mark.parametrize("path", [
    "s--AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA--\n/w_10/abc.jpg", "w_10/v12\n/abc.jpg", "w_10/abc\n.jpg",
])
def test_delivery_segments_refuse_a_trailing_newline(path: str) -> None:
    url = None
    with pytest.raises(ImgOriginError):
        url = split(path)
        assert url.signature is None or url.signature.endswith("--")
        parse(url.transformation)
        if "\n" in url.image_id:
            raise ImgOriginError("kept the newline")
    assert url is None or "\n" not in url.image_id


def test_preset_names_refuse_a_trailing_newline(tmp_path: Path) -> None:
    presets = tmp_path / "presets.json"
    presets.write_text(json.dumps({"thumb\n": {"transformation": "w_100"}}))
    with pytest.raises(ValueError, match="thumb"):
        Presets.load(presets)


def test_overlay_ids_refuse_a_trailing_newline() -> None:
    with pytest.raises(ImgOriginError):
        parse("l_abc\n,w_10/fl_layer_apply")


def test_the_delivery_path_still_works(client: TestClient, alice: Account) -> None:
    image = alice.upload("logo.png")
    assert client.get(signed_path(TEST_URL_SECRET, image["id"], "w_20", "png")).status_code == 200


def test_the_public_url_setting_refuses_a_trailing_newline(tmp_path: Path) -> None:
    from imgorigin.config import SettingsError
    from tests.helpers import make_settings

    assert make_settings(tmp_path / "a", public_url="https://img.example.com").public_url == "https://img.example.com"
    with pytest.raises(SettingsError, match="IMGORIGIN_PUBLIC_URL must be"):
        make_settings(tmp_path / "b", public_url="https://img.example.com\n")


def test_client_profile_names_refuse_a_trailing_newline() -> None:
    from imgorigin.client.profiles import ClientError, profile_name

    assert profile_name("staging") == "staging"
    with pytest.raises(ClientError, match="is not a profile name"):
        profile_name("staging\n")
