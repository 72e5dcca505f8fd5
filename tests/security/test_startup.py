"""Findings 11, 12, 19 and 21: what the process does before any request.

11: local commands name the data directory they use and refuse one that does not exist.
12: the database, secrets and directories are initialised once, before uvicorn's workers start.
19: the allocator settings reach the process that runs libvips, with ``--workers 1`` too.
21: the database, secrets, originals and cache are private to the service user under umask 022.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from imgorigin.cli import main as cli
from imgorigin.client.urls import signed_path
from tests.helpers import TEST_URL_SECRET, AppClient, photo
from tests.integration.servers import free_port, stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IMGORIGIN_")}
    environment.update({"IMGORIGIN_BCRYPT_ROUNDS": "4", "IMGORIGIN_NEW_PASSWORD": "correct horse battery",
                        "PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "imgorigin", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


LOCAL_COMMANDS = [
    ("sign", "abc", "w_100"),
    ("doctor",),
    ("user", "create", "frank"),
    ("clouds", "publish"),
]


@pytest.mark.parametrize("command", LOCAL_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_local_commands_refuse_a_data_directory_that_does_not_exist(tmp_path: Path, command: tuple[str, ...]) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    done = _run(*command, cwd=elsewhere)
    assert done.returncode == 2, done.stdout + done.stderr
    missing = elsewhere / "data"
    assert f"imgorigin: data directory {missing} does not exist" in done.stderr
    assert not missing.exists()  # nothing invented: no ./data, no new secrets
    assert done.stdout == ""


@pytest.mark.parametrize("command", LOCAL_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_local_commands_name_the_data_directory_they_use(tmp_path: Path, command: tuple[str, ...]) -> None:
    data = tmp_path / "data"
    first = _run("user", "create", "setup", cwd=tmp_path, env={"IMGORIGIN_DATA_DIR": str(data)})
    assert first.returncode == 2  # not created yet: only serve creates it
    _prepare(data)
    done = _run(*command, cwd=tmp_path / "..", env={"IMGORIGIN_DATA_DIR": str(data)})
    assert f"imgorigin: data directory {data}\n" in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr  # doctor exits 1 while problems remain


def test_sign_refuses_a_data_directory_without_its_secret(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    done = _run("sign", "abc", "w_100", cwd=tmp_path, env={"IMGORIGIN_DATA_DIR": str(data)})
    assert done.returncode == 2
    assert f"no URL secret: IMGORIGIN_URL_SECRET is unset and {data / 'secrets' / 'url.key'} does not exist" \
        in done.stderr
    assert not (data / "secrets").exists()
    # with the secret in the environment, the URL is the server's
    signed = _run("sign", "abc", "w_100", cwd=tmp_path,
                  env={"IMGORIGIN_DATA_DIR": str(data), "IMGORIGIN_URL_SECRET": TEST_URL_SECRET,
                       "IMGORIGIN_JWT_SECRET": "j" * 40, "IMGORIGIN_KEY_SECRET": "k" * 40})
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.strip() == signed_path(TEST_URL_SECRET, "abc", "w_100", "jpg")


def _prepare(data: Path) -> None:
    """What ``imgorigin serve`` does before its workers start, without serving."""
    from imgorigin.environment import load_settings
    from imgorigin.state.datadir import initialise

    initialise(load_settings(env={"IMGORIGIN_DATA_DIR": str(data)}))


def test_serve_initialises_everything_before_the_workers_start(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    import uvicorn

    data = tmp_path / "fresh"
    seen: dict[str, Any] = {}

    def run(*args: object, **kwargs: object) -> None:
        seen["workers"] = kwargs["workers"]
        seen["files"] = sorted(str(p.relative_to(data)) for p in data.rglob("*"))
        with sqlite3.connect(data / "imgorigin.db") as conn:
            seen["tables"] = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}

    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"):
        monkeypatch.setenv(name, "1" if name == "MALLOC_ARENA_MAX" else "131072")  # no re-exec in this test
    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv("IMGORIGIN_JWT_SECRET", raising=False)
    monkeypatch.delenv("IMGORIGIN_URL_SECRET", raising=False)
    assert cli.main(["serve", "--data-dir", str(data), "--workers", "2"]) == 0
    assert seen["workers"] == 2
    assert {"users", "images", "eager"} <= seen["tables"]
    assert {"secrets/jwt.key", "secrets/url.key", "imgorigin.db", "originals", "cache", "state", "tmp"} \
        <= set(seen["files"])


def _start_many(data: Path, count: int) -> list[subprocess.Popen[str]]:
    code = ("import sys; from imgorigin.environment import load_settings; from imgorigin.services.wiring import Services;"
            "Services.build(load_settings()).close()")
    env = {**os.environ, "IMGORIGIN_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    return [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
            for _ in range(count)]


def test_workers_starting_together_on_a_prepared_directory_never_fail(tmp_path: Path) -> None:
    for round_ in range(3):
        data = tmp_path / f"round{round_}"
        _prepare(data)
        processes = _start_many(data, 6)
        errors = [p.communicate(timeout=120)[1] for p in processes]
        assert [p.returncode for p in processes] == [0] * 6, "\n".join(errors)


def test_migrations_are_safe_when_processes_race_on_a_fresh_directory(tmp_path: Path) -> None:
    """Even without ``serve``'s preparation (uvicorn started by hand), concurrent first starts succeed."""
    for round_ in range(3):
        data = tmp_path / f"round{round_}"
        processes = _start_many(data, 6)
        errors = [p.communicate(timeout=120)[1] for p in processes]
        assert [p.returncode for p in processes] == [0] * 6, "\n".join(errors)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    """A real one-worker server started with no allocator variables set, under umask 022."""
    root = tmp_path_factory.mktemp("served")
    data, port = root / "data", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGORIGIN_", "MALLOC_"))}
    env.update({"IMGORIGIN_DATA_DIR": str(data), "IMGORIGIN_URL_SECRET": TEST_URL_SECRET,
                "IMGORIGIN_BCRYPT_ROUNDS": "4", "PYTHONPATH": str(ROOT)})
    log = root / "serve.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "imgorigin", "serve", "--port", str(port), "--workers", "1"],
            env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=lambda: os.umask(0o022),
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", process, log)
        yield base, data, process.pid
    finally:
        stop(process)


def test_allocator_settings_apply_with_one_worker(served: tuple[str, Path, int]) -> None:
    _, _, pid = served
    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    # The variables are in the environment the process started with, which is what glibc reads.
    assert b"MALLOC_ARENA_MAX=2" in environment
    assert b"MALLOC_MMAP_THRESHOLD_=131072" in environment


def test_state_is_private_to_the_service_user(served: tuple[str, Path, int]) -> None:
    base, data, _ = served
    session = httpx.post(f"{base}/register", json={"username": "owner", "password": "correct horse battery"})
    headers = {"Authorization": "Bearer " + session.json()["token"]}
    image = httpx.post(f"{base}/images", headers=headers, files={"file": ("r.jpg", photo("rocket.jpg"))}).json()
    assert httpx.get(base + signed_path(TEST_URL_SECRET, image["id"], "w_50", "webp")).status_code == 200
    loose = []
    for path in [data, *data.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            loose.append(f"{oct(mode)} {path.relative_to(data.parent)}")
    assert loose == []
    assert any(p.is_file() for p in (data / "originals").rglob("*"))
    assert stat.S_IMODE((data / "imgorigin.db").stat().st_mode) == 0o600


def test_state_is_private_without_serve(tmp_path: Path) -> None:
    """The app built in-process (tests, embedding) under umask 022: the data directory is the gate."""

    from tests.helpers import make_settings, register

    old = os.umask(0o022)
    try:
        with AppClient(make_settings(tmp_path)) as client:
            register(client, "owner").upload("rocket.jpg")
    finally:
        os.umask(old)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "imgorigin.db").stat().st_mode) == 0o600
    originals = [p for p in (data / "originals").rglob("*")]
    assert originals and all(stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600) for p in originals)
