"""Finding 1: a token opens only the account it was issued for, and account ids are never reused."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import jwt
from starlette.testclient import TestClient

from imgorigin.state.db import Database
from tests.helpers import TEST_JWT_SECRET, Account, AppClient, make_settings, register

INVALID = {"error": {"code": "invalid_token", "message": "Invalid or expired token"}}


def _me(client: TestClient, token: str) -> tuple[int, object]:
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_a_deleted_accounts_token_does_not_open_the_next_account(client: TestClient, alice: Account) -> None:
    mallory = register(client, "mallory")
    assert client.delete("/me", headers=mallory.headers).status_code == 204
    bob = register(client, "bob")
    bob.upload("rocket.jpg")
    assert _me(client, mallory.token) == (401, INVALID)
    assert client.get("/images", headers=mallory.headers).status_code == 401
    assert _me(client, bob.token)[0] == 200


def test_pre_harvested_tokens_open_nothing(client: TestClient, alice: Account) -> None:
    harvested = [register(client, f"harvest{n}") for n in range(3)]
    ids = [client.get("/me", headers=account.headers).json()["user"]["id"] for account in harvested]
    for account in harvested:
        assert client.delete("/me", headers=account.headers).status_code == 204
    newcomers = [register(client, f"victim{n}") for n in range(3)]
    new_ids = [client.get("/me", headers=account.headers).json()["user"]["id"] for account in newcomers]
    assert not set(ids) & set(new_ids)  # ids are never given out twice
    assert min(new_ids) > max(ids)
    for account in harvested:
        assert _me(client, account.token) == (401, INVALID)


def test_ids_are_not_reused_after_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with AppClient(settings) as client:
        register(client, "alice")
        mallory = register(client, "mallory")
        client.delete("/me", headers=mallory.headers)
    with AppClient(settings) as client:
        bob = register(client, "bob")
        assert client.get("/me", headers=bob.headers).json()["user"]["id"] == 3
        assert _me(client, mallory.token)[0] == 401


def _old_database(path: Path) -> None:
    """The users table as releases before AUTOINCREMENT made it (sqlite-utils' INTEGER PRIMARY KEY)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE [users] ([id] INTEGER PRIMARY KEY, [username] TEXT NOT NULL,
                              [password_hash] TEXT NOT NULL, [created_at] TEXT,
                              [role] TEXT NOT NULL DEFAULT 'user');
        CREATE UNIQUE INDEX [idx_users_username] ON [users] ([username]);
        CREATE TABLE [images] ([id] TEXT PRIMARY KEY, [user_id] INTEGER REFERENCES [users]([id]),
            [filename] TEXT, [format] TEXT, [width] INTEGER, [height] INTEGER, [pages] INTEGER,
            [bytes] INTEGER, [sha256] TEXT, [created_at] TEXT);
        INSERT INTO users VALUES (1, 'alice', '$2b$04$x', '2026-01-01T00:00:00.000000Z', 'admin');
        INSERT INTO users VALUES (2, 'carol', '$2b$04$y', '2026-01-02T00:00:00.000000Z', 'user');
        INSERT INTO images VALUES ('abc', 2, 'a.jpg', 'jpeg', 1, 1, 1, 10, 'ff', '2026-01-02T00:00:00Z');
    """)
    conn.commit()
    conn.close()


def test_an_existing_database_is_migrated_to_ids_that_are_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "imgorigin.db"
    _old_database(path)
    db = Database(path)
    assert db.user(2) is not None and db.user(2).username == "carol"  # type: ignore[union-attr]
    assert db.image(2, "abc") is not None  # image rows keep their owner through the rebuild
    roles = db._db().execute("select username, role from users order by id").fetchall()
    assert roles == [("alice", "admin"), ("carol", "user")]  # columns of later migrations survive the rebuild
    sql = db._db().execute("select sql from sqlite_master where name = 'users'").fetchone()[0]
    assert "autoincrement" in sql.lower()
    db.delete_user(2)
    assert db.create_user("dave", "$2b$04$z", "2026-02-01T00:00:00.000000Z").id == 3
    db.delete_user(3)
    assert db.create_user("erin", "$2b$04$z", "2026-02-02T00:00:00.000000Z").id == 4
    Database(path)  # migrating again is a no-op
    assert db.user(4) is not None


def test_a_token_issued_before_the_account_existed_is_refused(client: TestClient) -> None:
    """A database migrated from before AUTOINCREMENT may give out its old highest id once more."""
    bob = register(client, "bob")
    me = client.get("/me", headers=bob.headers).json()["user"]
    earlier = int(time.time()) - 3600
    old = jwt.encode({"sub": str(me["id"]), "ver": 0, "iat": earlier, "exp": earlier + 86400},
                     TEST_JWT_SECRET, algorithm="HS256")
    assert _me(client, old) == (401, INVALID)


def test_log_out_everywhere_revokes_every_token(client: TestClient, alice: Account) -> None:
    laptop = alice.token
    phone = client.post("/login", json={"username": "alice", "password": "correct horse battery"}).json()["token"]
    assert _me(client, phone)[0] == 200
    answer = client.post("/me/logout-everywhere", headers=alice.headers)
    assert answer.status_code == 204
    assert _me(client, laptop) == (401, INVALID)
    assert _me(client, phone) == (401, INVALID)
    fresh = client.post("/login", json={"username": "alice", "password": "correct horse battery"}).json()["token"]
    assert _me(client, fresh)[0] == 200


def test_a_password_change_revokes_earlier_tokens(client: TestClient, alice: Account) -> None:
    other = client.post("/login", json={"username": "alice", "password": "correct horse battery"}).json()["token"]
    wrong = client.post("/me/password", headers=alice.headers,
                        json={"password": "not the password", "new_password": "a new long password"})
    assert (wrong.status_code, wrong.json()["error"]) == (
        403, {"code": "wrong_password", "message": "The current password is wrong"})
    assert _me(client, other)[0] == 200  # a refused change revokes nothing
    short = client.post("/me/password", headers=alice.headers,
                        json={"password": "correct horse battery", "new_password": "short"})
    assert short.status_code == 400
    changed = client.post("/me/password", headers=alice.headers,
                          json={"password": "correct horse battery", "new_password": "a new long password"})
    assert changed.status_code == 200
    assert changed.json()["user"]["username"] == "alice"
    assert _me(client, alice.token) == (401, INVALID)
    assert _me(client, other) == (401, INVALID)
    assert _me(client, changed.json()["token"])[0] == 200
    assert client.post("/login", json={"username": "alice", "password": "correct horse battery"}).status_code == 401
    assert client.post("/login", json={"username": "alice", "password": "a new long password"}).status_code == 200


def test_hostile_password_change_bodies(client: TestClient, alice: Account) -> None:
    for body in ({}, {"password": 5, "new_password": "a new long password"}, {"password": "correct horse battery"},
                 {"password": "correct horse battery", "new_password": ["x" * 9]},
                 {"password": "correct horse battery", "new_password": "é" * 40}):
        response = client.post("/me/password", headers=alice.headers, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_password"
    assert client.post("/me/password", json={"password": "x", "new_password": "y" * 9}).status_code == 401
    assert _me(client, alice.token)[0] == 200


def test_the_token_carries_what_binds_it(client: TestClient, alice: Account) -> None:
    claims = jwt.decode(alice.token, TEST_JWT_SECRET, algorithms=["HS256"])
    assert set(claims) == {"sub", "ver", "iat", "exp"}
    assert claims["ver"] == 0


def test_user_set_password_on_the_server_revokes_earlier_tokens(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    settings = make_settings(tmp_path)
    with AppClient(settings) as client:
        alice = register(client, "alice")
        env = {**os.environ, "IMGORIGIN_DATA_DIR": str(settings.data_dir), "IMGORIGIN_BCRYPT_ROUNDS": "4",
               "IMGORIGIN_URL_SECRET": settings.signing_secret, "IMGORIGIN_JWT_SECRET": settings.jwt_secret,
               "IMGORIGIN_NEW_PASSWORD": "a new long password"}
        done = subprocess.run([sys.executable, "-m", "imgorigin", "user", "set-password", "alice"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert _me(client, alice.token) == (401, INVALID)
        assert client.post("/login", json={"username": "alice", "password": "a new long password"}).status_code == 200
