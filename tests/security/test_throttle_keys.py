"""Findings 6 and 7: login throttling counts failures per (username, network) after the network's own
bucket, and every per-address limit keys IPv6 on the /64 and IPv4-mapped IPv6 on the IPv4 address."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.http.callers import network_key
from tests.helpers import make_settings, register

GOOD = "correct horse battery"


def _from(app: Starlette, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/login", json={"username": username, "password": password}).status_code


def test_a_stranger_cannot_lock_the_owner_out(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, login_rate=10.0, login_ip_rate=30.0))
    with _from(app, "198.51.100.1") as owner:
        register(owner, "victim")
        attacker = _from(app, "203.0.113.66")
        # the attacker's address is already over its own quota, then it hammers the victim's name
        spent = [_login(attacker, f"someone{n}", "wrong password") for n in range(30)]
        assert spent.count(401) == 30
        hammered = [_login(attacker, "victim", "wrong password") for _ in range(12)]
        assert hammered == [429] * 12
        assert _login(owner, "victim", GOOD) == 200  # from the owner's own address: not locked out
        # the refused requests were not counted against the name either: the owner still has all 10
        assert [_login(owner, "victim", "typo password") for _ in range(10)] == [401] * 10
        assert _login(owner, "victim", GOOD) == 429


def test_only_failures_count(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, login_rate=3.0, login_ip_rate=3.0))
    with _from(app, "198.51.100.2") as client:
        register(client, "busy")
        assert [_login(client, "busy", GOOD) for _ in range(10)] == [200] * 10
        assert [_login(client, "busy", "wrong password") for _ in range(4)] == [401, 401, 401, 429]


def test_failures_back_off_per_username_and_address(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, login_rate=3.0, login_ip_rate=100.0))
    with _from(app, "198.51.100.3") as first:
        register(first, "carol")
        register(first, "dave")
        assert [_login(first, "carol", "wrong password") for _ in range(4)] == [401, 401, 401, 429]
        assert _login(first, "dave", GOOD) == 200  # another name from the same address
        assert _login(_from(app, "198.51.100.4"), "carol", GOOD) == 200  # the name from another address


@pytest.mark.parametrize(("address", "key"), [
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("::ffff:c000:207", "192.0.2.7"),
    ("2002:c000:0207::1", "192.0.2.7"),  # 6to4 carries the IPv4 address that owns it
    ("fe80::1%eth0", "fe80::/64"),
    ("192.0.2.7", "192.0.2.7"),
    ("unknown", "unknown"),
])
def test_network_keys(address: str, key: str) -> None:
    assert network_key(address) == key


def test_sign_ups_from_one_ipv6_64_share_a_bucket(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, register_rate=5.0))
    answers = [
        _from(app, f"2001:db8:77:1::{n:x}").post(
            "/register", json={"username": f"bulk{n}", "password": GOOD}).status_code
        for n in range(1, 31)
    ]
    assert answers.count(201) == 5
    assert answers[5:] == [429] * 25
    # another /64 has its own bucket
    assert _from(app, "2001:db8:77:2::1").post(
        "/register", json={"username": "neighbour", "password": GOOD}).status_code == 201


def test_ipv4_mapped_addresses_share_the_ipv4_bucket(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, register_rate=2.0))
    statuses = [_from(app, address).post("/register", json={"username": f"m{n}xx", "password": GOOD}).status_code
                for n, address in enumerate(["192.0.2.9", "::ffff:192.0.2.9", "::ffff:c000:209"])]
    assert statuses == [201, 201, 429]


def test_failed_logins_from_one_ipv6_64_share_a_bucket(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, login_rate=100.0, login_ip_rate=5.0))
    statuses = [_login(_from(app, f"2001:db8:5:5::{n:x}"), f"guess{n}", "wrong password") for n in range(1, 11)]
    assert statuses == [401] * 5 + [429] * 5


def test_renders_from_one_ipv6_64_share_a_bucket(tmp_path: Path) -> None:
    from imgorigin.client.urls import signed_path
    from tests.helpers import TEST_URL_SECRET

    app = create_app(make_settings(tmp_path, render_rate=3.0))
    with TestClient(app) as owner:
        image = register(owner, "renderer").upload("logo.png")
    statuses = [
        _from(app, f"2001:db8:9:9::{n:x}").get(signed_path(TEST_URL_SECRET, image["id"], f"w_{10 + n}", "png")).status_code
        for n in range(1, 6)
    ]
    assert statuses == [200, 200, 200, 429, 429]
