"""Finding 17: an unknown username costs the same bcrypt work as a known one, at the configured cost,
and ``imgorigin user create`` hashes at that cost too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from imgorigin.environment import load_settings
from imgorigin.state.datadir import initialise
from imgorigin.state.db import Database
from tests.helpers import AppClient, make_settings, register


def _cost(hashed: bytes) -> int:
    return int(hashed.split(b"$")[2])


@pytest.mark.parametrize("rounds", [4, 6])
def test_unknown_and_known_usernames_check_a_hash_of_the_same_cost(tmp_path: Path, rounds: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[int] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        checked.append(_cost(hashed))
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    with AppClient(make_settings(tmp_path, bcrypt_rounds=rounds)) as client:
        register(client, "known")
        for username in ("known", "nobody-here"):
            assert client.post("/login", json={"username": username, "password": "wrong password"}).status_code == 401
    assert checked == [rounds, rounds]


def test_user_create_honours_the_configured_cost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    initialise(load_settings(env={"IMGORIGIN_DATA_DIR": str(data)}))  # as serve leaves it
    env = {**os.environ, "IMGORIGIN_DATA_DIR": str(data), "IMGORIGIN_BCRYPT_ROUNDS": "5",
           "IMGORIGIN_NEW_PASSWORD": "correct horse battery"}
    done = subprocess.run([sys.executable, "-m", "imgorigin", "user", "create", "frank"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = Database(data / "imgorigin.db").user_with_hash("frank")
    assert found is not None
    assert found[1].startswith("$2b$05$")
