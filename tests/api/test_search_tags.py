"""``GET /images?tag=`` and ``GET /tags``: the library by the tags the Upload API set, exact and case-sensitive,
on the caller's own images only."""

from __future__ import annotations

from starlette.testclient import TestClient

from imgorigin.clouds.records import image_by_public_id
from imgorigin.clouds.tags import change_tags
from tests.api.test_search import _named, _public_ids
from tests.helpers import Account, register, services_of

UNICODE = "café ☕ 東京"
SQLISH = "x' or 1=1 --"


def _tag(client: TestClient, account: Account, public_ids: list[str], *tags: str) -> None:
    """Tags as the Upload API's ``tags`` call adds them (``clouds.tags.change_tags``)."""
    db = services_of(client).db
    user = db.user_with_hash(account.username)[0]
    records = [image_by_public_id(db, user.id, public_id) for public_id in public_ids]
    change_tags(db, user.id, [record.id for record in records if record is not None], "add", list(tags))


def test_a_tag_finds_exactly_the_images_that_carry_it(client: TestClient, alice: Account) -> None:
    for index, public_id in enumerate(["pets/cat", "pets/dog", "cars/mini", "sea"]):
        _named(alice, public_id, index)
    _tag(client, alice, ["pets/cat", "pets/dog"], "Pets")
    _tag(client, alice, ["pets/dog"], "pets")
    _tag(client, alice, ["sea"], UNICODE, SQLISH, "blue")
    assert _public_ids(alice, tag="Pets") == ["pets/cat", "pets/dog"]
    assert _public_ids(alice, tag="pets") == ["pets/dog"]  # case-sensitive, as Cloudinary's tags
    assert _public_ids(alice, tag="PETS") == []
    assert _public_ids(alice, tag="Pet") == []  # exact, not a prefix or a substring
    assert _public_ids(alice, tag=UNICODE) == ["sea"]
    assert _public_ids(alice, tag=SQLISH) == ["sea"]  # a tag like any other, bound as a parameter
    assert _public_ids(alice, tag="' or '1'='1") == []
    assert _public_ids(alice, tag="%") == [] and _public_ids(alice, tag="_") == []
    # With the other terms: all must hold.
    assert _public_ids(alice, tag="Pets", folder="pets", q="dog") == ["pets/dog"]
    assert _public_ids(alice, tag="blue", folder="pets") == []
    assert _public_ids(alice, tag="") == ["cars/mini", "pets/cat", "pets/dog", "sea"]  # no filter
    page = client.get("/images", params={"tag": "Pets", "limit": 1, "page": 2}, headers=alice.headers).json()
    assert (page["total"], page["pages"], len(page["items"])) == (2, 2, 1)

    tags = client.get("/tags", headers=alice.headers)
    assert tags.status_code == 200
    assert tags.json() == {"tags": [
        {"tag": "Pets", "count": 2}, {"tag": "blue", "count": 1}, {"tag": UNICODE, "count": 1},
        {"tag": "pets", "count": 1}, {"tag": SQLISH, "count": 1},
    ]}


def test_another_accounts_tags_are_not_seen(client: TestClient, alice: Account) -> None:
    _named(alice, "secret", 1)
    _tag(client, alice, ["secret"], "plans")
    mallory = register(client, "mallory")
    _named(mallory, "mine", 2)
    assert _public_ids(mallory, tag="plans") == []
    assert client.get("/tags", headers=mallory.headers).json() == {"tags": []}
    assert client.get("/tags").status_code == 401
    assert client.get("/images", params={"tag": "plans"}).status_code == 401


def test_hostile_tags_are_refused(client: TestClient, alice: Account) -> None:
    _named(alice, "a", 1)
    message = "tag: a tag is 1-255 printable characters, without commas or surrounding spaces"
    for tag in ("x" * 256, "a\x00", "\x1b[2J", "a\nb", "a,b", " padded", "padded ", "\u200b" * 3):
        refused = client.get("/images", params={"tag": tag}, headers=alice.headers)
        assert refused.status_code == 400, tag
        assert refused.json() == {"error": {"code": "invalid_query", "message": message}}
    assert _public_ids(alice, tag="x" * 255) == []
