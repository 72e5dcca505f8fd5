"""Eager derivation: recorded with the upload, rendered in the background, durable across restarts."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import pyvips

from imgorigin.state.db import Database
from imgorigin.storage import original_key
from tests.helpers import Account, AppClient, error, make_settings, register, services_of

EAGER_DEADLINE = 30.0


def upload(account: Account, eager: str, name: str = "rocket.jpg") -> Any:
    return account.post(name, form={"eager": eager})


def settled(account: Account, image_id: str) -> list[dict[str, Any]]:
    """The image's eager entries once none is pending."""
    deadline = time.monotonic() + EAGER_DEADLINE
    while time.monotonic() < deadline:
        entries: list[dict[str, Any]] = account.client.get(f"/images/{image_id}", headers=account.headers).json()["eager"]
        if all(entry["state"] != "pending" for entry in entries):
            return entries
        time.sleep(0.1)
    raise AssertionError(f"eager work still pending after {EAGER_DEADLINE}s: {entries}")


def test_upload_records_eager_work_and_the_pool_renders_it(alice: Account) -> None:
    response = upload(alice, "c_fill,w_100,h_80/webp | w_50,f_png|e_sepia|c_scale,w_64.avif")
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(e["transformation"], e["format"]) for e in body["eager"]] == [
        ("c_fill,w_100,h_80", "webp"), ("w_50,f_png", "png"), ("e_sepia", "jpg"), ("c_scale,w_64", "avif"),
    ]
    assert {e["state"] for e in body["eager"]} <= {"pending", "done"}

    entries = settled(alice, body["id"])
    assert [e["state"] for e in entries] == ["done"] * 4
    assert all(e["error"] is None for e in entries)
    expected = [("webp", 100, 80), ("png", 50, 33), ("jpeg", 640, 427), ("heif", 64, 43)]
    for entry, (loader, width, height) in zip(entries, expected, strict=True):
        assert entry["url"].endswith(f"/{entry['transformation']}/{body['id']}.{entry['format']}")
        delivered = alice.client.get(entry["url"])
        assert delivered.status_code == 200
        assert delivered.headers["x-cache"] == "HIT"  # rendered before anyone asked
        image = pyvips.Image.new_from_buffer(delivered.content, "")
        assert image.get("vips-loader").startswith(loader)
        assert (image.width, image.height) == (width, height)


@pytest.mark.parametrize(("eager", "message"), [
    ("w_100|c_fill", "eager[1]: c_fill needs w_, h_ or ar_ in the same component (c_fill)"),
    ("w_100/f_auto", "eager[0]: f_auto depends on each browser's Accept header; name a format"),
    ("w_100/bmp", "eager[0]: unknown format 'bmp': expected jpg, png, webp, avif, gif or tiff"),
    ("w_100||w_200", "eager[1]: empty transformation"),
    ("|".join(f"w_{n}" for n in range(1, 12)), "eager: at most 10 transformations"),
])
def test_bad_eager_is_refused_before_anything_is_stored(alice: Account, eager: str, message: str) -> None:
    response = upload(alice, eager)
    assert error(response) == (400, "invalid_eager", message)
    assert alice.client.get("/images", headers=alice.headers).json()["total"] == 0
    data_dir = Path(services_of(alice.client).settings.data_dir)
    assert not list((data_dir / "tmp").glob("upload-*"))


def test_details_without_eager_show_an_empty_list(alice: Account) -> None:
    image = alice.upload()
    assert "eager" not in image
    assert alice.client.get(f"/images/{image['id']}", headers=alice.headers).json()["eager"] == []


def test_pending_work_survives_a_restart(tmp_path: Path) -> None:
    # A node that records eager work but renders none (IMGORIGIN_EAGER_CONCURRENCY=0), stopped with work
    # pending: the next start picks the work up from the database.
    quiet = make_settings(tmp_path, eager_concurrency=0)
    with AppClient(quiet) as client:
        alice = register(client, "alice")
        kept = upload(alice, "w_120/webp|w_60").json()
        lost = upload(alice, "w_30", name="coffee.png").json()
        services = services_of(client)
        assert services.eager is None  # no pool on this node: nothing can take the jobs, however long we wait
        assert [e["state"] for e in settled_now(alice, kept["id"])] == ["pending", "pending"]
        services.storage.delete(original_key(lost["id"]))  # its original vanishes behind the database's back

    with AppClient(make_settings(tmp_path)) as client:
        alice.client = client
        assert [e["state"] for e in settled(alice, kept["id"])] == ["done", "done"]
        assert client.get(settled(alice, kept["id"])[0]["url"]).headers["x-cache"] == "HIT"
        failed = settled(alice, lost["id"])
        assert [(e["state"], e["error"]) for e in failed] == [("failed", "No such image")]


def settled_now(account: Account, image_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = account.client.get(f"/images/{image_id}", headers=account.headers).json()["eager"]
    return entries


def test_deleting_an_image_drops_its_eager_work(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, eager_concurrency=0)) as client:
        alice = register(client, "alice")
        image = upload(alice, "w_10|w_20").json()
        db: Database = services_of(client).db
        assert len(db.eager_for(image["id"])) == 2
        assert client.delete(f"/images/{image['id']}", headers=alice.headers).status_code == 204
        assert db.eager_for(image["id"]) == []


def _database_with_jobs(tmp_path: Path, count: int) -> Database:
    db = Database(tmp_path / "queue.db")
    db.create_user("u", "hash", "2026-01-01T00:00:00Z")
    db._db().execute(
        "insert into images (id, user_id, filename, format, width, height, pages, bytes, sha256, created_at)"
        " values ('img', 1, 'f', 'jpeg', 1, 1, 1, 1, 'h', '2026-01-01T00:00:00Z')"
    )
    db.add_eager("img", [(f"w_{n}", "jpg") for n in range(1, count + 1)], "2026-01-01T00:00:00Z")
    return db


def test_a_lease_hides_a_job_until_it_expires(tmp_path: Path) -> None:
    db = _database_with_jobs(tmp_path, 1)
    now = time.time()
    (job,) = db.claim_eager(5, lease_seconds=10, now=now)
    assert (job.transformation, job.attempts) == ("w_1", 1)
    assert db.claim_eager(5, lease_seconds=10, now=now + 9) == []
    (again,) = db.claim_eager(5, lease_seconds=10, now=now + 11)  # its worker died: the lease ran out
    assert (again.id, again.attempts) == (job.id, 2)
    db.finish_eager(job.id, "done", None, "2026-01-01T00:00:01Z")
    assert db.claim_eager(5, lease_seconds=10, now=now + 100) == []


def test_concurrent_workers_never_claim_the_same_job(tmp_path: Path) -> None:
    _database_with_jobs(tmp_path, 40)
    claimed: list[list[int]] = [[] for _ in range(4)]

    def work(slot: int) -> None:
        db = Database(tmp_path / "queue.db")  # its own connection, like another worker process
        while jobs := db.claim_eager(1, 60, time.time()):
            claimed[slot].extend(job.id for job in jobs)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    every = [job for ids in claimed for job in ids]
    assert sorted(every) == sorted(set(every)) and len(every) == 40
