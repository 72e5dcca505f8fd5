"""IMGORIGIN_REGISTRATION=open|closed|invite, administrators and invitation codes, through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imgorigin.security import hash_password
from imgorigin.services.library import now_iso
from imgorigin.services.registration import create_invite, set_role
from tests.helpers import AppClient, error, make_settings, services_of

BODY = {"username": "newcomer", "password": "correct horse battery"}


@pytest.fixture(params=["closed", "invite"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    with AppClient(make_settings(tmp_path, registration=request.param)) as client:
        yield client


def _admin_token(client: TestClient) -> str:
    db = services_of(client).db
    user = db.create_user("boss", hash_password("a long password", 4), now_iso())
    set_role(db, user.id, "admin")
    return str(client.post("/login", json={"username": "boss", "password": "a long password"}).json()["token"])


def test_closed_and_invite_refuse_strangers(team: TestClient) -> None:
    mode = services_of(team).settings.registration
    expected = {
        "closed": (403, "registration_closed", "Registration is closed: ask an administrator for an account"),
        "invite": (403, "invite_required", "Registration needs an invitation: send its code as 'invite'"),
    }[mode]
    assert error(team.post("/register", json=BODY)) == expected
    assert team.post("/login", json=BODY).status_code == 401  # nothing was created


def test_an_administrator_creates_accounts_and_invites(team: TestClient) -> None:
    token = _admin_token(team)
    created = team.post("/register", json=BODY, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201 and created.json()["user"]["username"] == "newcomer"
    member = team.post("/login", json=BODY).json()["token"]
    refused = team.post("/register", json={**BODY, "username": "third"}, headers={"Authorization": f"Bearer {member}"})
    assert error(refused) == (403, "registration_closed", "Only an administrator may create accounts for others")
    assert error(team.post("/invites", headers={"Authorization": f"Bearer {member}"})) == (
        403, "not_admin", "Only an administrator may invite")
    invite = team.post("/invites", headers={"Authorization": f"Bearer {token}"})
    assert invite.status_code == 201 and len(invite.json()["invite"]) >= 24


def test_an_invite_makes_one_account(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, registration="invite")) as client:
        db = services_of(client).db
        code, _ = create_invite(db, now_iso())
        taken = client.post("/register", json={**BODY, "username": "x", "invite": code})
        assert taken.status_code == 400  # a bad username does not use the invitation up
        assert client.post("/register", json={**BODY, "invite": code}).status_code == 201
        again = client.post("/register", json={**BODY, "username": "second", "invite": code})
        assert error(again) == (403, "invalid_invite", "This invitation is unknown, used or expired")
        expired, _ = create_invite(db, now_iso(), days=-1)
        assert error(client.post("/register", json={**BODY, "username": "late", "invite": expired}))[1] == (
            "invalid_invite")
        clash, _ = create_invite(db, now_iso())
        assert client.post("/register", json={**BODY, "invite": clash}).status_code == 409  # name taken
        assert client.post("/register", json={**BODY, "username": "fourth", "invite": clash}).status_code == 201
        rows = db.connection().execute("select state, used_by is not null from invites order by rowid").fetchall()
        assert rows == [("used", 1), ("new", 0), ("used", 1)]


def test_open_is_the_default(client: TestClient) -> None:
    assert client.post("/register", json=BODY).status_code == 201
