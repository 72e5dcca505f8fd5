"""``GET /images?q=``: the library's search, on the caller's own images only."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.helpers import Account, register


def _found(account: Account, query: str) -> list[str]:
    response = account.client.get("/images", params={"q": query, "limit": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return sorted(item["filename"] for item in body["items"])


def test_search_by_file_name_and_id(client: TestClient, alice: Account) -> None:
    names = ["Holiday-2024.jpg", "holiday_beach.jpg", "office.jpg", "100%.jpg", "x_y.jpg"]
    ids = {name: alice.upload("rocket.jpg", data=_variant(index), filename=name)["id"]
           for index, name in enumerate(names)}
    assert _found(alice, "holiday") == ["Holiday-2024.jpg", "holiday_beach.jpg"]  # any case
    assert _found(alice, "HOLIDAY-") == ["Holiday-2024.jpg"]
    # LIKE's wildcards are plain characters in a search.
    assert _found(alice, "%") == ["100%.jpg"]
    assert _found(alice, "_") == ["holiday_beach.jpg", "x_y.jpg"]
    assert _found(alice, ids["office.jpg"]) == ["office.jpg"]
    # Without a chosen public id, the random id is the public id: a part of it finds the image.
    assert _found(alice, ids["office.jpg"][3:11]) == ["office.jpg"]
    assert _found(alice, "nothing like it") == []
    assert len(_found(alice, "")) == len(names)


def test_search_sees_only_ones_own_images(client: TestClient, alice: Account) -> None:
    alice.upload("rocket.jpg", filename="secret-plan.jpg")
    mallory = register(client, "mallory")
    assert _found(mallory, "secret") == []


def test_search_pages_through_matches(client: TestClient, alice: Account) -> None:
    for index in range(5):
        alice.upload("rocket.jpg", data=_variant(index), filename=f"match-{index}.jpg")
    alice.upload("rocket.jpg", data=_variant(9), filename="other.jpg")
    page = client.get("/images", params={"q": "match", "limit": 2, "page": 3}, headers=alice.headers).json()
    assert (page["total"], page["pages"], [i["filename"] for i in page["items"]]) == (5, 3, ["match-0.jpg"])


def test_hostile_queries_are_refused_or_harmless(client: TestClient, alice: Account) -> None:
    alice.upload("rocket.jpg", filename="a.jpg")
    too_long = client.get("/images", params={"q": "x" * 201}, headers=alice.headers)
    assert too_long.status_code == 400
    assert too_long.json() == {"error": {"code": "invalid_query", "message": "q: at most 200 characters"}}
    for control in ("\x00", "a\x00", "a\x1b[2J"):
        refused = client.get("/images", params={"q": control}, headers=alice.headers)
        assert refused.json() == {"error": {"code": "invalid_query", "message": "q: no control characters"}}
    for query in ("' or 1=1 --", "\\", "a.jpg' union select * from users --"):
        assert _found(alice, query) == []


def _variant(index: int) -> bytes:
    """A distinct small PNG per index (uploads are not deduplicated, but distinct bytes keep it honest)."""
    import pyvips

    return bytes(pyvips.Image.black(8, 8, bands=3).new_from_image([index * 20, 0, 0]).pngsave_buffer())


def _named(account: Account, public_id: str, index: int) -> str:
    response = account.client.post("/images", headers=account.headers, data={"public_id": public_id},
                                   files={"file": ("photo.png", _variant(index), "image/png")})
    assert response.status_code == 201, response.text
    return str(response.json()["public_id"])


def _public_ids(account: Account, **params: str) -> list[str]:
    response = account.client.get("/images", params={**params, "limit": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return sorted(item["public_id"] for item in response.json()["items"])


def test_search_by_public_id_and_folder(client: TestClient, alice: Account) -> None:
    for index, public_id in enumerate(["trips/paris/eiffel", "trips/paris/louvre", "trips/Rome/forum",
                                       "trips_old/x", "home/cat"]):
        _named(alice, public_id, index)
    assert _public_ids(alice, q="PARIS") == ["trips/paris/eiffel", "trips/paris/louvre"]
    assert _public_ids(alice, q="home/cat") == ["home/cat"]
    # A folder holds what is in it and below it, by whole folder names and in their case.
    assert _public_ids(alice, folder="trips") == ["trips/Rome/forum", "trips/paris/eiffel", "trips/paris/louvre"]
    assert _public_ids(alice, folder="trips/paris") == ["trips/paris/eiffel", "trips/paris/louvre"]
    assert _public_ids(alice, folder="trips/rome") == []
    assert _public_ids(alice, folder="trips_") == []  # LIKE's _ is no wildcard here
    assert _public_ids(alice, folder="trips", q="forum") == ["trips/Rome/forum"]

    folders = client.get("/folders", headers=alice.headers)
    assert folders.status_code == 200
    assert folders.json() == {"folders": [
        {"path": "home", "count": 1}, {"path": "trips", "count": 3}, {"path": "trips/Rome", "count": 1},
        {"path": "trips/paris", "count": 2}, {"path": "trips_old", "count": 1},
    ]}
    assert client.get("/folders", headers=register(client, "newbie").headers).json() == {"folders": []}
    assert client.get("/folders").status_code == 401


def test_hostile_folders_are_refused(client: TestClient, alice: Account) -> None:
    for folder in ("../etc", "a/../b", "x\x00", "a%b", "v12"):
        response = client.get("/images", params={"folder": folder}, headers=alice.headers)
        assert response.status_code == 400, folder
        assert response.json()["error"]["code"] == "invalid_public_id"
