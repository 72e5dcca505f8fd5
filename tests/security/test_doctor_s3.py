"""``imgorigin doctor`` against originals in a real S3-compatible server (moto on loopback)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from imgorigin.services import doctor
from imgorigin.state.db import Database
from tests.helpers import AppClient, make_settings, photo, register
from tests.integration.servers import MotoServer

pytestmark = pytest.mark.integration
BUCKET = "imgorigin-doctor"


def test_doctor_on_s3(tmp_path: Path, moto: MotoServer) -> None:
    settings = make_settings(tmp_path, **moto.settings(BUCKET))
    bucket = moto.client()
    with AppClient(settings) as client:
        account = register(client, "alice")
        kept, lost = (
            client.post("/images", headers=account.headers,
                        files={"file": (name, io.BytesIO(photo(name)), "image/jpeg")}).json()["id"]
            for name in ("rocket.jpg", "logo.png")
        )
        bucket.remove_object(BUCKET, f"originals/{lost}")
        bucket.put_object(BUCKET, "originals/OrphanInTheBucket", io.BytesIO(b"x"), 1)

        lines: list[str] = []
        assert doctor.run(settings, fix=False, grace=3600, out=lines.append) == 1
        # the orphan was just written: within the grace period it could be an upload in flight
        assert lines == [f"problem: row without file: {lost}",
                         "note: 1 recent file(s) without a row left alone (younger than 3600s)",
                         "1 problem(s) found, 0 fixed, 1 remaining"]
        lines.clear()
        assert doctor.run(settings, fix=True, grace=0, out=lines.append) == 0
        assert sorted(lines[:-1]) == sorted([f"fixed: row without file: {lost}",
                                             "fixed: file without row: originals/OrphanInTheBucket"])
        keys = {obj.object_name for obj in bucket.list_objects(BUCKET, recursive=True)}
        # (cloudstate/ and publicids/: what render nodes read of each account, see clouds/state.py)
        assert {key for key in keys if not key.startswith(("cloudstate/", "publicids/"))} == {f"originals/{kept}"}
        assert client.get("/images", headers=account.headers).json()["total"] == 1


def test_a_wrong_or_unreachable_bucket_is_refused(tmp_path: Path, moto: MotoServer) -> None:
    settings = make_settings(tmp_path, **moto.settings(BUCKET))
    with AppClient(settings) as client:
        account = register(client, "alice")
        for name in ("rocket.jpg", "logo.png"):
            response = client.post("/images", headers=account.headers,
                                   files={"file": (name, io.BytesIO(photo(name)), "image/jpeg")})
            assert response.status_code == 201
    rows = Database(settings.db_path).all_image_ids()
    assert len(rows) == 2

    # The operator points the node at a bucket name with a typo (created empty on first use)...
    typo = make_settings(tmp_path, **moto.settings("imgorigin-typo"))
    lines: list[str] = []
    assert doctor.run(typo, fix=True, grace=0, out=lines.append) == 2
    assert lines[-1] == (
        "refused: the storage looks absent: 2 image row(s) but not one original in bucket 'imgorigin-typo'. "
        "Is the volume mounted, the bucket the right one? Nothing was changed; --force repairs anyway "
        "(rows are quarantined, not deleted)."
    )
    # ...or the store does not answer.
    moto.pause()
    try:
        lines.clear()
        hung = make_settings(tmp_path, **moto.settings(BUCKET, s3_timeout=0.3, s3_retries=0))
        assert doctor.run(hung, fix=True, grace=0, out=lines.append) == 2
    finally:
        moto.resume()
    assert len(lines) == 1 and lines[0].startswith("refused: the storage cannot be read (s3 ")
    assert lines[0].endswith("); nothing was changed")
    assert Database(settings.db_path).all_image_ids() == rows
    assert {obj.object_name for obj in moto.client().list_objects(BUCKET, prefix="originals/", recursive=True)} == {
        f"originals/{image_id}" for image_id in rows}
