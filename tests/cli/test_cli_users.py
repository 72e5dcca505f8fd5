"""``imgorigin user create|list|delete|set-password|invite`` on a data directory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from imgorigin.cli.main import main
from tests.helpers import TEST_JWT_SECRET, TEST_URL_SECRET, AppClient, make_settings, photo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_settings(tmp_path)  # creates the data directory (its URL and JWT secrets come from the environment)
    monkeypatch.setenv("IMGORIGIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMGORIGIN_URL_SECRET", TEST_URL_SECRET)
    monkeypatch.setenv("IMGORIGIN_JWT_SECRET", TEST_JWT_SECRET)
    monkeypatch.setenv("IMGORIGIN_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("IMGORIGIN_NEW_PASSWORD", "first password")
    return tmp_path


def test_create_list_set_password_delete(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "user", "create", "Ann", "--admin")[1] == "created administrator ann (id 1)\n"
    assert run(capsys, "user", "create", "ben")[1] == "created user ben (id 2)\n"
    with AppClient(make_settings(data_dir)) as client:
        token = client.post("/login", json={"username": "ben", "password": "first password"}).json()["token"]
        upload = client.post("/images", headers={"Authorization": f"Bearer {token}"},
                             files={"file": ("c.png", io.BytesIO(photo("coffee.png")))})
        assert upload.status_code == 201
    code, out, _ = run(capsys, "user", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["id", "username", "role", "images", "stored", "created"]
    assert lines[1].split()[:4] == ["1", "ann", "admin", "0"] and lines[2].split()[:4] == ["2", "ben", "user", "1"]

    assert run(capsys, "user", "set-password", "ben", "--password", "second password")[1] == (
        "password of ben changed\n")
    with AppClient(make_settings(data_dir)) as client:
        assert client.post("/login", json={"username": "ben", "password": "first password"}).status_code == 401
        assert client.post("/login", json={"username": "ben", "password": "second password"}).status_code == 200
    assert run(capsys, "user", "delete", "ben", "--yes")[1] == "deleted user ben and 1 image\n"
    assert [line.split()[1] for line in run(capsys, "user", "list")[1].splitlines()[1:]] == ["ann"]
    assert [p for p in (data_dir / "data" / "originals").rglob("*") if p.is_file()] == []
    code, _, err = run(capsys, "user", "delete", "nobody", "--yes")
    assert code == 1 and "no user named 'nobody'" in err
    code, _, err = run(capsys, "user", "set-password", "ann", "--password", "short")
    assert code == 1 and "at least 8 characters" in err


def test_invite_prints_a_code_that_registers(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "user", "invite", "--days", "1")
    invite = out.splitlines()[0]
    assert code == 0 and len(invite) == 24
    with AppClient(make_settings(data_dir, registration="invite")) as client:
        body = {"username": "guest", "password": "a long password", "invite": invite}
        assert client.post("/register", json=body).status_code == 201
