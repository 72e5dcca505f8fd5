"""``GET /images?sha256=``: how clients ask whether a file is already uploaded."""

from __future__ import annotations

import hashlib

from tests.helpers import Account, photo


def test_finds_an_upload_by_its_content_hash(alice: Account, bob: Account) -> None:
    uploaded = alice.upload("rocket.jpg")
    digest = hashlib.sha256(photo("rocket.jpg")).hexdigest()
    assert uploaded["sha256"] == digest

    found = alice.client.get("/images", params={"sha256": digest}, headers=alice.headers)
    assert found.status_code == 200
    assert [item["id"] for item in found.json()["items"]] == [uploaded["id"]]
    assert found.json()["total"] == 1

    # Another user's identical file is not visible.
    theirs = bob.client.get("/images", params={"sha256": digest}, headers=bob.headers)
    assert theirs.json()["items"] == [] and theirs.json()["total"] == 0


def test_unknown_hash_is_an_empty_page(alice: Account) -> None:
    alice.upload("rocket.jpg")
    response = alice.client.get("/images", params={"sha256": "0" * 64}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_malformed_hash_is_a_400(alice: Account) -> None:
    response = alice.client.get("/images", params={"sha256": "abc"}, headers=alice.headers)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_query", "message": "sha256 must be 64 lowercase hexadecimal characters",
    }
