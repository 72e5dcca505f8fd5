"""Tokens, passwords, login throttling and account deletion, through the real app."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.config import SettingsError
from tests.helpers import (
    TEST_JWT_SECRET,
    TEST_URL_SECRET,
    Account,
    AppClient,
    make_settings,
    photo,
    register,
    services_of,
    settle_levels,
)


def _me(client: TestClient, token: str) -> tuple[int, dict[str, object]]:
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def _claims(sub: str = "1", **extra: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": sub, "iat": now, "exp": now + 600, **extra}


def _alg_none(claims: dict[str, object]) -> str:
    return jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]


FORGED: dict[str, Callable[[], str]] = {
    "alg-none": lambda: _alg_none(_claims()),
    "foreign-key": lambda: jwt.encode(_claims(), "another-secret-0123456789abcdef0123456789", algorithm="HS256"),
    "hs512-same-key": lambda: jwt.encode(_claims(), TEST_JWT_SECRET, algorithm="HS512"),
    "no-exp": lambda: jwt.encode({"sub": "1", "iat": int(time.time())}, TEST_JWT_SECRET, algorithm="HS256"),
    "expired": lambda: jwt.encode(_claims(exp=int(time.time()) - 5), TEST_JWT_SECRET, algorithm="HS256"),
    "no-sub": lambda: jwt.encode({"iat": 1, "exp": int(time.time()) + 60}, TEST_JWT_SECRET, algorithm="HS256"),
    "garbage": lambda: "not.a.token",
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # forging with HS512 on purpose
@pytest.mark.parametrize("name", sorted(FORGED))
def test_forged_tokens_are_401(client: TestClient, alice: Account, name: str) -> None:
    status, body = _me(client, FORGED[name]())
    assert status == 401
    assert body == {"error": {"code": "invalid_token", "message": "Invalid or expired token"}}


def test_the_real_token_works(client: TestClient, alice: Account) -> None:
    status, body = _me(client, alice.token)
    assert status == 200
    user = body["user"]
    assert isinstance(user, dict) and user["username"] == "alice"


def test_delete_me_removes_user_images_files_and_cache(client: TestClient, alice: Account, bob: Account,
                                                       tmp_path: Path) -> None:
    big = pyvips.Image.gaussnoise(2000, 1600).cast("uchar").write_to_buffer(".jpg")  # gets pyramid levels
    mine = [alice.upload("rocket.jpg"), alice.upload("logo.png"), alice.upload("big.jpg", data=big)]
    theirs = bob.upload("rocket.jpg")
    for image in mine:  # warm the derived cache
        assert client.get(signed_path(TEST_URL_SECRET, image["id"], "w_20", "png")).status_code == 200
    services = services_of(client)
    settle_levels(client, mine[2]["id"])
    assert len(list(services.storage.keys("pyramid"))) == 3  # the big upload's 1/2 and 1/8 levels, header
    response = client.delete("/me", headers=alice.headers)
    assert response.status_code == 204
    # the token of a deleted user is refused, and the username is free again
    assert _me(client, alice.token)[0] == 401
    assert client.get("/images", headers=alice.headers).status_code == 401
    assert [key for key in services.storage.keys("pyramid") if key.startswith(f"pyramid/{mine[2]['id']}_")] == []
    for image in mine:
        assert not services.storage.exists(f"originals/{image['id']}")
        assert client.get(signed_path(TEST_URL_SECRET, image["id"], "w_20", "png")).status_code == 404
    assert services.db.all_image_ids() == {theirs["id"]}
    assert client.get(signed_path(TEST_URL_SECRET, theirs["id"], "w_20", "png")).status_code == 200
    assert bob.client.get("/images", headers=bob.headers).json()["total"] == 1
    register(client, "alice")


def test_password_over_72_bytes_is_refused_not_truncated(client: TestClient) -> None:
    long = "é" * 37  # 74 bytes in UTF-8, 37 characters
    response = client.post("/register", json={"username": "carol", "password": long})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_password", "message": "password must be at most 72 bytes (UTF-8)",
    }
    ok = "x" * 72
    assert client.post("/register", json={"username": "carol", "password": ok}).status_code == 201
    # bcrypt would accept any suffix after 72 bytes; the service must not
    response = client.post("/login", json={"username": "carol", "password": ok + "anything"})
    assert response.status_code == 401


def test_login_is_throttled_per_username_and_ip(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_rate=3.0, login_ip_rate=5.0)
    with AppClient(settings) as client:
        register(client, "dave")
        answers = [client.post("/login", json={"username": "dave", "password": "wrong password"})
                   for _ in range(4)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        refused = answers[-1]
        assert refused.json()["error"] == {"code": "rate_limited", "message": "Too many failed logins; retry later"}
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        # the right password does not get around the throttle from this address
        good = client.post("/login", json={"username": "dave", "password": "correct horse battery"})
        assert good.status_code == 429
        # other usernames from the same address: the address's own bucket (5 failures) runs out too
        others = [client.post("/login", json={"username": f"erin{n}", "password": "whatever long"}).status_code
                  for n in range(3)]
        assert others == [401, 401, 429]


def test_other_users_images_are_404_everywhere(client: TestClient, alice: Account, bob: Account) -> None:
    image = alice.upload("rocket.jpg")
    path = f"/images/{image['id']}"
    not_found = {"code": "image_not_found", "message": "No such image"}
    for method, url, body in [
        ("GET", path, None),
        ("GET", path + "/download", None),
        ("POST", path + "/transform", {"transformations": {"resize": {"width": 10}}}),
        ("DELETE", path, None),
    ]:
        response = client.request(method, url, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"] == not_found
    signed = client.post("/sign", json={"items": [{"id": image["id"]}]}, headers=bob.headers)
    assert signed.status_code == 404
    assert bob.client.get("/images", headers=bob.headers).json()["total"] == 0
    assert client.get(path, headers=alice.headers).status_code == 200  # still there for its owner


def test_a_short_jwt_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="IMGORIGIN_JWT_SECRET must be at least 32 bytes"):
        make_settings(tmp_path, jwt_secret="x" * 31)


@pytest.mark.parametrize(("body", "message"), [
    (b"[" * 100_000, "The JSON body is nested too deeply"),
    (b'{"username": "abc", "password": "\\ud800\\ud800\\ud800\\ud800"}', "The body must be JSON"),
    (b'{"username": "\\udfff", "password": "long enough"}', "The body must be JSON"),
    (b'{"username": "abc", "password": "abcdefgh\xff"}', "The body must be JSON"),
], ids=["nested", "surrogate-password", "surrogate-username", "not-utf8"])
def test_hostile_json_is_400(client: TestClient, body: bytes, message: str) -> None:
    for path in ("/register", "/login"):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, path
        assert response.json()["error"] == {"code": "invalid_json", "message": message}


def test_hostile_json_on_authenticated_routes(client: TestClient, alice: Account) -> None:
    headers = {**alice.headers, "Content-Type": "application/json"}
    for body in (b'{"items": [{"id": "\\ud800"}]}', b'{"items": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"):
        response = client.post("/sign", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_json"


def test_overlays_of_other_users_images_cannot_be_signed(client: TestClient, alice: Account, bob: Account) -> None:
    """Signing l_<id> publishes that image, so every signing path checks the overlay's owner."""
    theirs = bob.upload("logo.png")["id"]
    mine = alice.upload("rocket.jpg")["id"]
    overlay = f"l_{theirs},w_50/fl_layer_apply"
    expected = {"code": "layer_not_found", "message": f"No such overlay image: l_{theirs}"}
    signed = client.post("/sign", json={"items": [{"id": mine, "transformation": overlay}]}, headers=alice.headers)
    transformed = client.post(f"/images/{mine}/transform", headers=alice.headers,
                              json={"transformations": {"resize": {"width": 10}}})
    assert transformed.status_code == 200  # (the JSON body has no overlays; /sign and eager do)
    assert (signed.status_code, signed.json()["error"]) == (404, expected)
    eager = client.post("/images", headers=alice.headers, data={"eager": overlay},
                        files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
    assert (eager.status_code, eager.json()["error"]) == (404, expected)
    assert client.get("/images", headers=alice.headers).json()["total"] == 1  # the refused upload is not kept
    own = client.post("/sign", json={"items": [{"id": mine, "transformation": f"l_{mine},w_50/fl_layer_apply"}]},
                      headers=alice.headers)
    assert own.status_code == 200


def test_registration_is_throttled_per_ip(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, register_rate=3.0)) as client:
        answers = [client.post("/register", json={"username": f"user{n}", "password": "correct horse battery"})
                   for n in range(4)]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        assert answers[-1].json()["error"] == {
            "code": "rate_limited", "message": "Too many new accounts from this address; retry later",
        }
        assert 1 <= int(answers[-1].headers["retry-after"]) <= 1200  # 3 an hour: one every 20 minutes
        assert client.post("/login", json={"username": "user3", "password": "correct horse battery"}).status_code == 401
