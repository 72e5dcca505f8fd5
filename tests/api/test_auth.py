"""POST /register and POST /login through the real app."""

from __future__ import annotations

import jwt
import pytest
from starlette.testclient import TestClient

from tests.helpers import TEST_JWT_SECRET, error


def test_register_returns_user_and_token(client: TestClient) -> None:
    response = client.post("/register", json={"username": "Alice", "password": "correct horse"})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert isinstance(body["user"]["id"], int)
    claims = jwt.decode(body["token"], TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(body["user"]["id"])
    assert claims["exp"] - claims["iat"] == 86400
    assert "password" not in str(body)


def test_duplicate_username_is_409(client: TestClient) -> None:
    client.post("/register", json={"username": "alice", "password": "correct horse"})
    response = client.post("/register", json={"username": "ALICE", "password": "other password"})
    assert error(response) == (409, "username_taken", "That username is taken")


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"username": "al", "password": "correct horse"},
            "invalid_username",
            "username must be 3-32 characters: letters, digits, '_', '.' or '-', "
            "starting and ending with a letter or digit",
        ),
        (
            {"username": "a/b/c", "password": "correct horse"},
            "invalid_username",
            "username must be 3-32 characters: letters, digits, '_', '.' or '-', "
            "starting and ending with a letter or digit",
        ),
        (
            {"password": "correct horse"},
            "invalid_username",
            "username must be 3-32 characters: letters, digits, '_', '.' or '-', "
            "starting and ending with a letter or digit",
        ),
        ({"username": "alice", "password": "short"}, "invalid_password", "password must be at least 8 characters"),
        ({"username": "alice", "password": "x" * 73}, "invalid_password", "password must be at most 72 bytes (UTF-8)"),
        ({"username": "alice"}, "invalid_password", "password must be a string"),
    ],
)
def test_register_rules(client: TestClient, body: dict[str, str], code: str, message: str) -> None:
    assert error(client.post("/register", json=body)) == (400, code, message)


def test_register_needs_a_json_object(client: TestClient) -> None:
    assert error(client.post("/register", content=b"{nope")) == (400, "invalid_json", "The body must be JSON")
    assert error(client.post("/register", json=[1, 2])) == (400, "invalid_json", "The body must be a JSON object")


def test_login(client: TestClient) -> None:
    client.post("/register", json={"username": "alice", "password": "correct horse"})
    response = client.post("/login", json={"username": "alice", "password": "correct horse"})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "alice"
    assert response.json()["token"]


def test_login_failures_look_the_same(client: TestClient) -> None:
    client.post("/register", json={"username": "alice", "password": "correct horse"})
    wrong = client.post("/login", json={"username": "alice", "password": "wrong horse"})
    unknown = client.post("/login", json={"username": "nobody", "password": "correct horse"})
    assert error(wrong) == error(unknown) == (401, "invalid_credentials", "Wrong username or password")


def test_protected_routes_need_a_token(client: TestClient) -> None:
    assert error(client.get("/images"))[:2] == (401, "missing_token")
    bad = client.get("/images", headers={"Authorization": "Bearer nonsense"})
    assert error(bad) == (401, "invalid_token", "Invalid or expired token")
