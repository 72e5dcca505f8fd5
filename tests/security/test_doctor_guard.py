"""``imgorigin doctor --fix`` never takes metadata or originals out wholesale.

An unmounted volume, a wrong bucket or the wrong data directory looks like "every row lost its file"
(or "every file lost its row"): the repair refuses, says why and changes nothing. Rows that do go are
quarantined, and come back when their original does.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imgorigin.cli import main as cli
from imgorigin.client.urls import signed_path
from imgorigin.services import doctor
from imgorigin.state.records import ImageRecord
from tests.helpers import TEST_JWT_SECRET, TEST_URL_SECRET, Account, services_of
from tests.security.appstate import local_path

NOT_CHANGED = "Nothing was changed; --force repairs anyway (rows are quarantined, not deleted)."


def _run(client: TestClient, fix: bool = True, **options: object) -> tuple[int, list[str]]:
    lines: list[str] = []
    status = doctor.run(services_of(client).settings, fix=fix, grace=600, out=lines.append, **options)  # type: ignore[arg-type]
    return status, lines


def _fake_images(client: TestClient, user_id: int, count: int) -> list[str]:
    """Rows with a stand-in original each (the doctor checks presence, not content)."""
    services = services_of(client)
    ids = [f"Fake{n:012d}" for n in range(count)]
    for image_id in ids:
        services.db.add_image(ImageRecord(image_id, user_id, f"{image_id}.jpg", "jpeg", 10, 10, 1, 1, "0" * 64,
                                          "2026-01-01T00:00:00Z"))
        path = local_path(services, f"originals/{image_id}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    return ids


def test_a_missing_originals_folder_is_refused_and_nothing_changes(client: TestClient, alice: Account) -> None:
    images = [alice.upload(name)["id"] for name in ("rocket.jpg", "logo.png", "coffee.png")]
    services = services_of(client)
    originals = services.settings.data_dir / "originals"
    originals.rename(originals.with_name("originals.unmounted"))

    status, lines = _run(client)
    assert status == 2
    assert lines[-1] == (
        f"refused: the storage looks absent: 3 image row(s) but not one original in {originals}. "
        f"Is the volume mounted, the bucket the right one? {NOT_CHANGED}"
    )
    assert services.db.all_image_ids() == set(images)
    assert services.db.quarantined() == {}

    originals.with_name("originals.unmounted").rename(originals)
    assert _run(client) == (0, ["0 problem(s) found, 0 fixed, 0 remaining"])
    assert alice.client.get("/images", headers=alice.headers).json()["total"] == 3


def test_more_than_the_allowed_share_is_refused_then_quarantined_and_restored(client: TestClient,
                                                                               alice: Account) -> None:
    services = services_of(client)
    real = alice.upload("rocket.jpg")["id"]
    fakes = _fake_images(client, 1, 24)
    away = Path(services.settings.data_dir / "away")
    away.mkdir()
    gone = [real, *fakes[:11]]  # 12 of 25 rows: over 10 rows and over 10 %
    for image_id in gone:
        shutil.move(local_path(services, f"originals/{image_id}"), away / image_id)

    status, lines = _run(client)
    assert status == 2
    assert lines[-1] == (
        "refused: 12 of 25 image rows have no original (48%), more than --max-loss 10%: that looks like a "
        f"storage or configuration problem, not crash debris {NOT_CHANGED}"
    )
    assert len(services.db.all_image_ids()) == 25

    status, lines = _run(client, max_loss=0.5)
    assert (status, lines[-1]) == (0, "12 problem(s) found, 12 fixed, 0 remaining")
    assert f"fixed: row without file: {real}" in lines
    assert services.db.all_image_ids() == set(fakes[11:])
    assert services.db.quarantined() == dict.fromkeys(gone, "original missing")
    assert alice.client.get(f"/images/{real}", headers=alice.headers).status_code == 404

    # A later run reports them, and puts them back once their files are.
    assert _run(client, fix=False)[1][-2:] == [
        "note: 12 row(s) in quarantine, their original still missing (restored by the next run once the file is back)",
        "0 problem(s) found, 0 fixed, 0 remaining",
    ]
    for image_id in gone:
        shutil.move(away / image_id, local_path(services, f"originals/{image_id}"))
    status, lines = _run(client)
    assert (status, lines[-1]) == (0, "12 problem(s) found, 12 fixed, 0 remaining")
    assert f"fixed: quarantined row whose original is back: {real}" in lines
    assert len(services.db.all_image_ids()) == 25 and services.db.quarantined() == {}
    assert alice.client.get(f"/images/{real}", headers=alice.headers).json()["id"] == real
    assert client.get(signed_path(TEST_URL_SECRET, real, "w_30", "png")).status_code == 200


def test_a_few_lost_rows_are_still_repaired_without_asking(client: TestClient, alice: Account) -> None:
    services = services_of(client)
    fakes = _fake_images(client, 1, 3)
    local_path(services, f"originals/{fakes[0]}").unlink()
    status, lines = _run(client)
    assert (status, lines) == (0, [f"fixed: row without file: {fakes[0]}", "1 problem(s) found, 1 fixed, 0 remaining"])
    assert services.db.quarantined() == {fakes[0]: "original missing"}


def test_force_quarantines_even_a_total_loss(client: TestClient, alice: Account) -> None:
    services = services_of(client)
    fakes = _fake_images(client, 1, 4)
    shutil.rmtree(services.settings.data_dir / "originals")
    status, lines = _run(client, force=True)
    assert (status, lines[-1]) == (0, "4 problem(s) found, 4 fixed, 0 remaining")
    assert services.db.all_image_ids() == set()
    assert set(services.db.quarantined()) == set(fakes)


def test_an_empty_database_does_not_delete_the_originals(client: TestClient, alice: Account) -> None:
    """The sibling: the wrong data directory (or a lost database) makes every original an orphan."""
    services = services_of(client)
    fakes = _fake_images(client, 1, 3)
    for image_id in fakes:
        services.db.delete_image_any(image_id)
        past = time.time() - 7200
        os.utime(local_path(services, f"originals/{image_id}"), (past, past))
    status, lines = _run(client)
    assert status == 2
    assert lines[-1] == (
        f"refused: the database looks absent: 3 original(s) in {services.settings.data_dir / 'originals'} but no "
        f"image row in {services.settings.db_path}. Is this the right data directory? {NOT_CHANGED}"
    )
    assert all(local_path(services, f"originals/{image_id}").exists() for image_id in fakes)


def test_the_cli_says_why_and_exits_2(client: TestClient, alice: Account, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    services = services_of(client)
    alice.upload("rocket.jpg")
    shutil.rmtree(services.settings.data_dir / "originals")
    # the secrets come from the environment, as on a server whose data directory holds none
    monkeypatch.setenv("IMGORIGIN_URL_SECRET", TEST_URL_SECRET)
    monkeypatch.setenv("IMGORIGIN_JWT_SECRET", TEST_JWT_SECRET)
    data_dir = str(services.settings.data_dir)
    assert cli.main(["doctor", "--data-dir", data_dir, "--fix"]) == 2
    assert "refused: the storage looks absent: 1 image row(s)" in capsys.readouterr().out
    assert cli.main(["doctor", "--data-dir", data_dir, "--fix", "--force"]) == 0
    assert "fixed: row without file" in capsys.readouterr().out
