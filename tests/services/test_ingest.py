"""An upload answers once its original is verified and stored; its levels and summary come from a job."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import pytest
import pyvips

from imgorigin.services import eager
from imgorigin.services.eager import IMPORT_GAP_SECONDS, LEVELS_PATIENCE_SECONDS, levels_claimable_until
from imgorigin.services.library import iso_at
from imgorigin.services.wiring import Services
from imgorigin.state.db import Database
from imgorigin.state.jobs import EVERY_LEVELS_JOB
from imgorigin.state.records import LEVELS_JOB, ImageRecord
from imgorigin.storage import header_key, original_key, pyramid_key
from tests.helpers import Account, AppClient, make_settings, photo, register, services_of, settle_levels
from tests.imaging import decode, photo_mosaic


def post(account: Account, data: bytes, name: str = "big.jpg") -> dict[str, object]:
    response = account.client.post("/images", headers=account.headers,
                                   files={"file": (name, io.BytesIO(data), "application/octet-stream")})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def level_keys(services: Services, image_id: str) -> set[str]:
    return {key for key in services.storage.keys("pyramid") if image_id in key}


def halves(width: int, height: int) -> bytes:
    """Red on the left, blue on the right, as a PNG (opaque: its levels are JPEG)."""
    red = pyvips.Image.black(width // 2, height).new_from_image([255, 0, 0])
    blue = pyvips.Image.black(width - width // 2, height).new_from_image([0, 0, 255])
    return bytes(red.join(blue, "horizontal").copy(interpretation="srgb").write_to_buffer(".png"))


def test_a_big_upload_answers_first_renders_meanwhile_and_the_job_survives_a_restart(tmp_path: Path) -> None:
    # A node that records jobs but runs none (IMGORIGIN_EAGER_CONCURRENCY=0), then one that does.
    with AppClient(make_settings(tmp_path, eager_concurrency=0, cache_size=0, allow_unsigned=True)) as client:
        alice = register(client, "alice")
        answer = post(alice, photo_mosaic(2400, 1800))
        image_id = str(answer["id"])
        assert (answer["colors"], answer["blurhash"], answer["placeholder"]) == (None, None, None)
        services = services_of(client)
        assert services.storage.exists(original_key(image_id))
        assert level_keys(services, image_id) == set()
        assert [job.state for job in services.db.eager_for(image_id, LEVELS_JOB)] == ["pending"]
        assert client.get(f"/images/{image_id}", headers=alice.headers).json()["eager"] == []
        render = client.get(f"/t/w_150/{image_id}.png")  # from the original, the levels do not exist yet
        assert render.status_code == 200
        assert (decode(render.content).width, decode(render.content).height) == (150, 113)

    with AppClient(make_settings(tmp_path, cache_size=0, allow_unsigned=True)) as client:
        settle_levels(client, image_id)
        services = services_of(client)
        assert level_keys(services, image_id) == {pyramid_key(image_id, 8), pyramid_key(image_id, 2), header_key(image_id)}
        assert [job.state for job in services.db.eager_for(image_id, LEVELS_JOB)] == ["done"]
        info = client.get(f"/images/{image_id}", headers={"Authorization": f"Bearer {alice.token}"}).json()
        assert info["blurhash"] and info["placeholder"].startswith("data:image/webp;base64,")
        assert info["colors"] and sum(c["share"] for c in info["colors"]) == pytest.approx(1.0, abs=0.01)


def test_the_jobs_summary_is_the_images(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path)) as client:
        alice = register(client, "alice")
        image_id = str(post(alice, halves(2400, 1300), "halves.png")["id"])
        settle_levels(client, image_id)
        colours = client.get(f"/images/{image_id}", headers=alice.headers).json()["colors"]
    # From the 1/8 level (JPEG q95): within 2 of the exact colours on each channel.
    rgb = sorted(tuple(int(c["color"][i:i + 2], 16) for i in (1, 3, 5)) for c in colours[:2])
    assert [channel for colour in rgb for channel in colour] == pytest.approx([0, 0, 255, 255, 0, 0], abs=2)
    assert [c["share"] for c in colours[:2]] == [pytest.approx(0.5, abs=0.03)] * 2


def test_small_uploads_keep_their_summary_in_the_answer_and_need_no_job(alice: Account) -> None:
    answer = post(alice, photo("rocket.jpg"), "rocket.jpg")
    assert answer["colors"] and answer["blurhash"] and answer["placeholder"]
    assert services_of(alice.client).db.eager_for(str(answer["id"]), LEVELS_JOB) == []


def test_a_job_for_an_image_deleted_meanwhile_leaves_no_levels(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, eager_concurrency=0)) as client:
        alice = register(client, "alice")
        image_id = str(post(alice, photo_mosaic(2400, 1800))["id"])
        services = services_of(client)
        found = services.db.user_with_hash("alice")
        assert found is not None
        assert services.db.delete_image(found[0].id, image_id)  # the row goes first, as delete_image does
        services.ingest.finish_upload(image_id)  # the job was already running when the row went
        assert level_keys(services, image_id) == set()


def test_levels_jobs_spend_no_ones_render_budget_and_leave_the_eager_quota_alone(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "quiet", eager_concurrency=0, transform_rate=1.0)
    with AppClient(settings) as client:
        alice = register(client, "alice")
        ids = [str(post(alice, photo_mosaic(2400, 1800 + n))["id"]) for n in range(3)]
        services = services_of(client)
        owner = services.db.user_with_hash("alice")
        assert owner is not None
        assert services.db.pending_eager(owner[0].id) == 0  # three levels jobs pending, no eager render
    # One render per minute for alice: her three levels jobs still all run at once.
    with AppClient(make_settings(tmp_path / "quiet", transform_rate=1.0)) as client:
        for image_id in ids:
            settle_levels(client, image_id, timeout=30)
        assert all(services_of(client).storage.exists(pyramid_key(image_id, 8)) for image_id in ids)


def test_an_image_whose_job_cannot_be_recorded_is_not_recorded_either(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database(tmp_path / "imgorigin.db")
    user = database.create_user("alice", "x", "2026-01-01T00:00:00Z")
    record = ImageRecord("Img000000000001", user.id, "big.jpg", "jpeg", 4000, 3000, 1, 10, "0" * 64,
                         "2026-01-01T00:00:00Z")

    def refuse(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(database, "add_job", refuse)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        database.add_image(record, [LEVELS_JOB])
    assert database.image(user.id, record.id) is None  # rolled back with the job
    monkeypatch.undo()
    database.add_image(record, [LEVELS_JOB])  # the connection is usable again: no transaction left open
    assert database.image(user.id, record.id) == record
    assert [job.kind for job in database.eager_for(record.id, LEVELS_JOB)] == [LEVELS_JOB]


def _queue_with_uploads(tmp_path: Path, stamps: list[float]) -> Database:
    """A queue holding one levels job per upload, recorded at the given Unix times, and one eager render."""
    db = Database(tmp_path / "queue.db")
    db.create_user("u", "hash", "2026-01-01T00:00:00Z")
    for n, stamp in enumerate(stamps):
        db.add_image(ImageRecord(id=f"img{n}", user_id=1, filename="f.jpg", format="jpeg", width=4000, height=3000,
                                 pages=1, bytes=1, sha256=f"h{n}", created_at=iso_at(stamp)), (LEVELS_JOB,))
    db.add_eager("img0", [("w_100", "jpg")], iso_at(stamps[-1]))
    return db


def test_levels_jobs_wait_while_an_import_is_under_way(tmp_path: Path) -> None:
    t0 = 1_800_000_000.0
    db = _queue_with_uploads(tmp_path, [t0, t0 + 0.3, t0 + 0.6])  # three big uploads, 0.3 s apart
    until, recheck = levels_claimable_until(db, t0 + 0.7)
    assert until != EVERY_LEVELS_JOB and recheck == pytest.approx(t0 + 0.6 + IMPORT_GAP_SECONDS - (t0 + 0.7))
    # Only the eager render is taken: it was asked for by the uploader, the levels are the server's own.
    assert [job.kind for job in db.claim_eager(10, 60, t0 + 0.7, until)] == ["render"]
    # The uploads pause for IMPORT_GAP_SECONDS: every levels job may go.
    assert levels_claimable_until(db, t0 + 0.6 + IMPORT_GAP_SECONDS)[0] == EVERY_LEVELS_JOB
    assert sorted(job.image_id for job in db.claim_eager(10, 60, t0 + 1.6)) == ["img0", "img1", "img2"]


def test_a_levels_job_waits_no_longer_than_its_patience(tmp_path: Path) -> None:
    t0 = 1_800_000_000.0
    later = t0 + LEVELS_PATIENCE_SECONDS + 1
    db = _queue_with_uploads(tmp_path, [t0, later - 0.5, later - 0.2])  # the import is still going
    until, _ = levels_claimable_until(db, later)
    assert [job.image_id for job in db.claim_eager(10, 60, later, until) if job.kind == LEVELS_JOB] == ["img0"]


@pytest.mark.parametrize(("stamps", "after"), [([0.0], 0.1), ([0.0, 1.5], 0.1), ([0.0, 0.3], 3600.0)],
                         ids=["one upload", "uploads a pause apart", "an import long over"])
def test_lone_or_spaced_uploads_get_their_levels_at_once(tmp_path: Path, stamps: list[float], after: float) -> None:
    t0 = 1_800_000_000.0
    now = t0 + stamps[-1] + after
    db = _queue_with_uploads(tmp_path, [t0 + s for s in stamps])
    assert levels_claimable_until(db, now)[0] == EVERY_LEVELS_JOB
    assert len([job for job in db.claim_eager(10, 60, now) if job.kind == LEVELS_JOB]) == len(stamps)


def test_an_import_gets_every_level_once_it_pauses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Through the app: uploads closer together than the gap leave their levels pending, then all are built.
    monkeypatch.setattr(eager, "IMPORT_GAP_SECONDS", 6.0)  # a slow machine still uploads within it
    with AppClient(make_settings(tmp_path, cache_size=0)) as client:
        alice = register(client, "alice")
        ids = [str(post(alice, photo_mosaic(2400, 1800 + n))["id"]) for n in range(3)]
        time.sleep(2.5)  # long enough for the first job to be done and the next ones taken, were they not held
        db = services_of(client).db
        waiting = [job for image_id in ids[1:] for job in db.eager_for(image_id, LEVELS_JOB)]
        assert [(job.state, job.attempts) for job in waiting] == [("pending", 0), ("pending", 0)]
        for image_id in ids:
            settle_levels(client, image_id, timeout=60)
        assert all(services_of(client).storage.exists(pyramid_key(image_id, 8)) for image_id in ids)
