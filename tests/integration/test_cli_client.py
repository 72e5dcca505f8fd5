"""The client commands against a real server subprocess: login, upload (progress, skip by hash), ls, url."""

from __future__ import annotations

import hashlib
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from tests.helpers import PHOTOS
from tests.integration.live_server import live_server, run_cli

pytestmark = pytest.mark.integration

PHOTO_NAMES = ("rocket.jpg", "coffee.png", "chelsea.png")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("cli-server")) as base:
        yield base


imgorigin = run_cli


def test_login_upload_skip_ls_and_srcset(server: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    login = imgorigin(config, "login", "--server", server, "--register", "-u", "carol",
                      "--password", "correct horse battery")
    assert login.returncode == 0, login.stderr
    assert f"registered and logged in as carol on {server}" in login.stdout
    saved = config / "credentials.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    token = httpx.post(f"{server}/login", json={"username": "carol", "password": "correct horse battery"})
    assert token.status_code == 200

    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(PHOTOS / "rocket.jpg", folder)
    shutil.copy(PHOTOS / "coffee.png", folder)
    shutil.copy(PHOTOS / "chelsea.png", folder / "nested")
    shutil.copy(PHOTOS / "rocket.jpg", folder / "nested" / "rocket-copy.jpg")
    (folder / "notes.txt").write_text("not an image, and not sent from a folder")

    first = imgorigin(config, "upload", str(folder), "--jobs", "3")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "3 uploaded, 1 skipped (already uploaded), 0 failed"
    assert "100%  4/4 files" in first.stderr  # the progress bar, on stderr
    assert first.stderr.count("uploaded  ") == 3
    assert first.stderr.count("(same content as ") == 1  # one copy of rocket.jpg uploads, the other waits

    headers = {"Authorization": "Bearer " + token.json()["token"]}
    stored = httpx.get(f"{server}/images", params={"limit": 100}, headers=headers).json()["items"]
    assert sorted(i["sha256"] for i in stored) == sorted(
        hashlib.sha256((PHOTOS / name).read_bytes()).hexdigest() for name in PHOTO_NAMES
    )

    again = imgorigin(config, "upload", str(folder))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "0 uploaded, 4 skipped (already uploaded), 0 failed"
    assert again.stderr.count("skipped   ") == 4
    assert len(httpx.get(f"{server}/images", headers=headers).json()["items"]) == 3

    listing = imgorigin(config, "ls")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["ID", "SIZE", "BYTES", "FORMAT", "CREATED", "FILENAME"]
    rows = {line.split()[-1]: line.split() for line in lines[1:]}
    # Whichever copy of the rocket got there first.
    rocket_name = "rocket.jpg" if "rocket.jpg" in rows else "rocket-copy.jpg"
    assert set(rows) == {"coffee.png", "chelsea.png", rocket_name}
    assert rows[rocket_name][1:2] == ["640x427"] and "jpeg" in rows[rocket_name]
    assert {row[0] for row in rows.values()} == {i["id"] for i in stored}

    rocket = rows[rocket_name][0]
    url = imgorigin(config, "url", rocket, "c_fill,w_300,h_200", "--format", "webp", "--srcset", "320,640,1280")
    assert url.returncode == 0, url.stderr
    entries = [entry.rsplit(" ", 1) for entry in url.stdout.strip().split(", ")]
    assert [descriptor for _, descriptor in entries] == ["320w", "640w", "1280w"]
    for (link, _), (width, height) in zip(entries, [(320, 213), (640, 427), (1280, 853)], strict=True):
        assert "/t/s--" in link and link.endswith(f"/c_fill,h_{height},w_{width}/{rocket}.webp")
        response = httpx.get(link)  # no token: the signature is the authorisation
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/webp"
        image = pyvips.Image.new_from_buffer(response.content, "")
        assert (image.width, image.height) == (width, height)

    bad_format = imgorigin(config, "url", rocket, "w_10", "--format", "bmp")
    assert bad_format.stderr.startswith("imgorigin: --format: expected one of ")

    removed = imgorigin(config, "rm", rocket, "nope")
    assert removed.returncode == 1
    assert removed.stdout == f"deleted {rocket}\n"
    assert removed.stderr.startswith("imgorigin: nope: ") and "(404 " in removed.stderr
    assert httpx.get(entries[0][0]).status_code == 404
    assert len(httpx.get(f"{server}/images", headers=headers).json()["items"]) == 2

    logout = imgorigin(config, "logout")
    assert logout.returncode == 0 and not saved.exists()
    assert imgorigin(config, "ls").stderr.strip() == "imgorigin: not logged in: run imgorigin login"


def test_errors_are_one_clear_line(server: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    assert imgorigin(config, "ls").stderr.strip() == "imgorigin: not logged in: run imgorigin login"

    registered = imgorigin(config, "login", "--server", server, "--register", "-u", "dave", "--password", "x" * 12)
    assert registered.returncode == 0, registered.stderr
    wrong = imgorigin(config, "login", "--server", server, "-u", "dave", "--password", "wrong password!")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "imgorigin: Wrong username or password (401 invalid_credentials)"

    not_image = tmp_path / "notes.jpg"
    not_image.write_text("plain text with an image's name")
    upload = imgorigin(config, "upload", str(not_image))
    assert upload.returncode == 1
    assert upload.stdout.strip() == "0 uploaded, 0 skipped (already uploaded), 1 failed"
    assert f"failed: {not_image}: " in upload.stderr and "(415 " in upload.stderr

    bad = imgorigin(config, "url", "nope", "w_-5")
    assert bad.returncode == 1
    # In the words of the command line: no field path of the request the command made.
    assert bad.stderr.startswith("imgorigin: Invalid w_-5: expected an integer")
    assert "items[" not in bad.stderr
    gone = imgorigin(config, "url", "nope", "w_10")
    assert gone.stderr.strip() == "imgorigin: nope: no such image (404 image_not_found)"


def test_logout_everywhere_revokes_the_accounts_other_tokens(server: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    assert imgorigin(config, "login", "--server", server, "--register", "-u", "gina",
                     "--password", "correct horse battery").returncode == 0
    elsewhere = httpx.post(f"{server}/login", json={"username": "gina", "password": "correct horse battery"})
    headers = {"Authorization": "Bearer " + elsewhere.json()["token"]}
    assert httpx.get(f"{server}/me", headers=headers).status_code == 200
    out = imgorigin(config, "logout", "--everywhere")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("logged out everywhere of the profile default (removed from ")
    assert imgorigin(config, "ls").returncode == 1  # the saved token is gone
    assert httpx.get(f"{server}/me", headers=headers).status_code == 401
