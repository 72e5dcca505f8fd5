"""``GET /images?q=``: the library's search, on the caller's own images only."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import Account, register


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
    assert _found(alice, ids["office.jpg"][:8]) == []  # an id matches whole, never by prefix
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
