"""``imgorigin doctor``: every kind of inconsistency is found, ``--fix`` repairs it, recent files are spared."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.cli import main as cli
from imgorigin.client.urls import signed_path
from imgorigin.services import doctor
from tests.helpers import TEST_JWT_SECRET, TEST_URL_SECRET, Account, services_of, settle_levels
from tests.security.appstate import local_path


def _run(client: TestClient, fix: bool, grace: float = 600) -> tuple[int, list[str]]:
    lines: list[str] = []
    settings = services_of(client).settings
    status = doctor.run(settings, fix=fix, grace=grace, out=lines.append)
    return status, lines


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_clean_data_directory_passes(client: TestClient, alice: Account) -> None:
    alice.upload("rocket.jpg")
    assert _run(client, fix=False) == (0, ["0 problem(s) found, 0 fixed, 0 remaining"])


def test_doctor_finds_and_fixes_every_kind(client: TestClient, alice: Account) -> None:
    services = services_of(client)
    data = services.settings.data_dir
    kept, lost, deleted = alice.upload("rocket.jpg"), alice.upload("logo.png"), alice.upload("coffee.png")
    for image in (kept, deleted):
        assert client.get(signed_path(TEST_URL_SECRET, image["id"], "w_10", "png")).status_code == 200
    # a row whose file vanished
    local_path(services, f"originals/{lost['id']}").unlink()
    # a row deleted behind the service's back: its file and cache entries are left over
    services.db.delete_image_any(deleted["id"])
    _age(local_path(services, f"originals/{deleted['id']}"), 7200)
    # an old orphan, and a fresh one that could be an upload between rename and commit
    old_orphan = local_path(services, "originals/OldOrphan0000001")
    old_orphan.parent.mkdir(parents=True, exist_ok=True)
    old_orphan.write_bytes(b"x")
    _age(old_orphan, 7200)
    fresh = local_path(services, "originals/FreshUpload00001")
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"x")
    # a spooled upload left by a killed worker
    spool = data / "tmp" / "upload-killed"
    spool.write_bytes(b"partial")
    _age(spool, 7200)

    status, lines = _run(client, fix=False)
    assert status == 1
    assert sorted(lines[:-2]) == sorted([
        f"problem: row without file: {lost['id']}",
        f"problem: file without row: originals/{deleted['id']}",
        "problem: file without row: originals/OldOrphan0000001",
        "problem: stale spool file: tmp/upload-killed",
        f"problem: cache entries of a deleted image: {deleted['id']}",
    ])
    assert lines[-2] == "note: 1 recent file(s) without a row left alone (younger than 600s)"
    assert lines[-1] == "5 problem(s) found, 0 fixed, 5 remaining"
    assert spool.exists() and old_orphan.exists()  # a report changes nothing

    status, lines = _run(client, fix=True)
    assert status == 0
    assert lines[-1] == "5 problem(s) found, 5 fixed, 0 remaining"
    assert not spool.exists() and not old_orphan.exists() and fresh.exists()
    assert services.db.all_image_ids() == {kept["id"]}
    assert services.cache.image_ids() == {kept["id"]}
    assert client.get(signed_path(TEST_URL_SECRET, kept["id"], "w_10", "png")).status_code == 200
    assert alice.client.get("/images", headers=alice.headers).json()["total"] == 1

    # the fresh file becomes a problem once it is older than the grace period
    status, lines = _run(client, fix=True, grace=0)
    assert (status, lines[-1]) == (0, "1 problem(s) found, 1 fixed, 0 remaining")
    assert not fresh.exists()


def test_cli_exit_status(client: TestClient, alice: Account, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    services = services_of(client)
    image = alice.upload("rocket.jpg")
    alice.upload("logo.png")  # a library whose storage is there (one with no original at all is refused)
    local_path(services, f"originals/{image['id']}").unlink()
    # the secrets come from the environment, as on a server whose data directory holds none
    monkeypatch.setenv("IMGORIGIN_URL_SECRET", TEST_URL_SECRET)
    monkeypatch.setenv("IMGORIGIN_JWT_SECRET", TEST_JWT_SECRET)
    data_dir = str(services.settings.data_dir)
    assert cli.main(["doctor", "--data-dir", data_dir]) == 1
    assert f"problem: row without file: {image['id']}" in capsys.readouterr().out
    assert cli.main(["doctor", "--data-dir", data_dir, "--fix"]) == 0
    assert cli.main(["doctor", "--data-dir", data_dir]) == 0


def test_a_lost_original_takes_its_pyramid_levels_along(client: TestClient, alice: Account) -> None:
    services = services_of(client)
    big = pyvips.Image.gaussnoise(2000, 1600).cast("uchar").write_to_buffer(".jpg")
    image = alice.upload("big.jpg", data=big)
    settle_levels(client, image["id"])
    kept = alice.upload("logo.png")
    levels = [key for key in services.storage.keys("pyramid") if key.startswith(f"pyramid/{image['id']}_")]
    assert len(levels) == 3  # 1/2, 1/8 and the header beside them
    local_path(services, f"originals/{image['id']}").unlink()
    for key in levels:
        _age(local_path(services, key), 7200)
    status, lines = _run(client, fix=True)
    assert status == 0
    assert sorted(lines[:-1]) == sorted([f"fixed: row without file: {image['id']}",
                                         *(f"fixed: file without row: {key}" for key in levels)])
    assert list(services.storage.keys("pyramid")) == []
    assert services.db.all_image_ids() == {kept["id"]}
