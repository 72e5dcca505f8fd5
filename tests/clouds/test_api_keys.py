"""``/me/api-keys``: accounts as clouds, secrets derived from the server's key secret, published key lists."""

from __future__ import annotations

from starlette.testclient import TestClient

from imgorigin.clouds.keys import api_secret
from imgorigin.config import Settings
from tests.helpers import Account, error, services_of


def published_keys(client: TestClient, cloud: str) -> tuple[str, ...] | None:
    state = services_of(client).published.account(cloud)
    return None if state is None else tuple(state.api_keys)


def test_a_key_is_created_with_its_secret_once_and_listed_without_it(
        client: TestClient, alice: Account, settings: Settings) -> None:
    response = client.post("/me/api-keys", headers=alice.headers)
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"api_key", "api_secret", "cloud_name"}
    assert body["cloud_name"] == "alice"
    assert len(body["api_key"]) == 15 and body["api_key"].isdigit()
    assert body["api_secret"] == api_secret(settings.key_secret, "alice", body["api_key"])
    assert len(body["api_secret"]) == 32

    listed = client.get("/me/api-keys", headers=alice.headers).json()
    assert listed["cloud_name"] == "alice"
    assert [item["api_key"] for item in listed["items"]] == [body["api_key"]]
    assert set(listed["items"][0]) == {"api_key", "created_at"}
    assert body["api_secret"] not in client.get("/me/api-keys", headers=alice.headers).text


def test_several_keys_live_at_once_and_revocation_is_published(client: TestClient, alice: Account) -> None:
    assert published_keys(client, "alice") == ()  # registration publishes the cloud, with no keys yet
    first = client.post("/me/api-keys", headers=alice.headers).json()
    second = client.post("/me/api-keys", headers=alice.headers).json()
    assert first["api_key"] != second["api_key"] and first["api_secret"] != second["api_secret"]
    assert set(published_keys(client, "alice") or ()) == {first["api_key"], second["api_key"]}

    assert client.delete(f"/me/api-keys/{first['api_key']}", headers=alice.headers).status_code == 204
    assert published_keys(client, "alice") == (second["api_key"],)
    listed = client.get("/me/api-keys", headers=alice.headers).json()["items"]
    assert [item["api_key"] for item in listed] == [second["api_key"]]
    assert error(client.delete(f"/me/api-keys/{first['api_key']}", headers=alice.headers)) == (
        404, "api_key_not_found", "No such API key")


def test_secrets_differ_per_cloud_and_per_server_key() -> None:
    assert api_secret("k" * 32, "alice", "123456789012345") != api_secret("k" * 32, "bob", "123456789012345")
    assert api_secret("k" * 32, "alice", "123456789012345") != api_secret("j" * 32, "alice", "123456789012345")


def test_keys_are_the_accounts_own(client: TestClient, alice: Account, bob: Account) -> None:
    key = client.post("/me/api-keys", headers=alice.headers).json()["api_key"]
    assert error(client.delete(f"/me/api-keys/{key}", headers=bob.headers))[0] == 404
    assert client.get("/me/api-keys", headers=bob.headers).json() == {"cloud_name": "bob", "items": []}
    assert published_keys(client, "alice") == (key,)


def test_api_keys_need_a_token(client: TestClient) -> None:
    for method, path in (("POST", "/me/api-keys"), ("GET", "/me/api-keys"), ("DELETE", "/me/api-keys/1")):
        assert error(client.request(method, path))[:2] == (401, "missing_token")


def test_hostile_key_paths_are_404(client: TestClient, alice: Account) -> None:
    # ("..": the HTTP client itself resolves it to DELETE /me before sending)
    for bad in ("%2e%2e", "1" * 5000, "12345678901234%00", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥", "' or 1=1 --"):
        response = client.delete(f"/me/api-keys/{bad}", headers=alice.headers)
        assert response.status_code in (404, 405), (bad, response.status_code)
        if response.status_code == 404:
            assert response.json()["error"]["code"] in ("api_key_not_found", "not_found")


def test_an_account_has_at_most_twenty_keys(client: TestClient, alice: Account) -> None:
    for _ in range(20):
        assert client.post("/me/api-keys", headers=alice.headers).status_code == 201
    assert error(client.post("/me/api-keys", headers=alice.headers)) == (
        409, "too_many_api_keys", "An account may have at most 20 API keys; delete one first")


def test_deleting_the_account_unpublishes_its_cloud(client: TestClient, alice: Account) -> None:
    client.post("/me/api-keys", headers=alice.headers)
    assert client.delete("/me", headers=alice.headers).status_code == 204
    assert published_keys(client, "alice") is None
