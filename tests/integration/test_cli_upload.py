"""``imgorigin upload --json/--eager``, the size check before sending, profiles, and the progress bar on a
real terminal, against a real server subprocess."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from tests.helpers import PHOTOS
from tests.integration.live_server import run_cli
from tests.integration.servers import Origin

pytestmark = pytest.mark.integration

UPLOAD_LIMIT = 700_000
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origin]:
    origin = Origin(tmp_path_factory.mktemp("cli-upload"), {"IMGORIGIN_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)})
    origin.start()
    try:
        yield origin
    finally:
        origin.stop()


def _login(config: Path, server: Origin, username: str, *extra: str) -> None:
    done = run_cli(config, "login", "--server", server.base, "--register", "-u", username, "--password", PASSWORD,
                   *extra)
    assert done.returncode == 0, done.stderr


def _token(server: Origin, username: str) -> dict[str, str]:
    answer = httpx.post(f"{server.base}/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": "Bearer " + answer.json()["token"]}


def test_json_maps_every_path_to_what_became_of_it(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    _login(config, server, "jason")
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("rocket.jpg", "coffee.png"):
        shutil.copy(PHOTOS / name, folder)
    shutil.copy(PHOTOS / "rocket.jpg", folder / "rocket-again.jpg")
    (folder / "broken.png").write_bytes(b"not a png at all")

    done = run_cli(config, "upload", str(folder), "--json", "--jobs", "1")
    assert done.returncode == 1  # one failed
    result = json.loads(done.stdout)  # stdout is the JSON and nothing else
    assert done.stderr.splitlines()[-2:] == [
        "2 uploaded, 1 skipped (already uploaded), 1 failed",
        f"  failed: {folder / 'broken.png'}: " + result[str(folder / "broken.png")]["error"],
    ]
    assert list(result) == [str(folder / n) for n in ("broken.png", "coffee.png", "rocket-again.jpg", "rocket.jpg")]
    assert result[str(folder / "broken.png")]["status"] == "failed"
    assert "(415 " in result[str(folder / "broken.png")]["error"]
    stored = httpx.get(f"{server.base}/images", headers=_token(server, "jason")).json()["items"]
    by_name = {item["filename"]: item["id"] for item in stored}
    assert set(by_name) == {"coffee.png", "rocket-again.jpg"}  # in order: rocket-again.jpg comes first
    assert result[str(folder / "coffee.png")] == {"status": "uploaded", "id": by_name["coffee.png"],
                                                 "public_id": result[str(folder / "coffee.png")]["public_id"]}
    assert result[str(folder / "rocket.jpg")] == {"status": "skipped", "same_as": str(folder / "rocket-again.jpg")}

    again = json.loads(run_cli(config, "upload", str(folder / "coffee.png"), "--json").stdout)
    assert again[str(folder / "coffee.png")]["status"] == "skipped"
    assert again[str(folder / "coffee.png")]["id"] == by_name["coffee.png"]


def test_eager_derivatives_are_requested_with_the_upload(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    _login(config, server, "eagerly")
    done = run_cli(config, "upload", str(PHOTOS / "rocket.jpg"), "--json", "--eager", "c_fill,w_90,h_60/webp|w_50")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)[str(PHOTOS / "rocket.jpg")]
    assert [url.rsplit("/", 2)[-2:] for url in entry["eager"]] == [
        ["c_fill,w_90,h_60", f"{entry['id']}.webp"], ["w_50", f"{entry['id']}.jpg"],
    ]
    deadline = time.monotonic() + 30
    while True:
        jobs = httpx.get(f"{server.base}/images/{entry['id']}", headers=_token(server, "eagerly")).json()["eager"]
        if all(job["state"] != "pending" for job in jobs) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(job["transformation"], job["format"], job["state"]) for job in jobs] == [
        ("c_fill,w_90,h_60", "webp", "done"), ("w_50", "jpg", "done"),
    ]
    image = pyvips.Image.new_from_buffer(httpx.get(entry["eager"][0]).content, "")
    assert (image.width, image.height) == (90, 60)

    bad = run_cli(config, "upload", str(PHOTOS / "coffee.png"), "--eager", "w_-1")
    assert bad.returncode == 1
    assert "Invalid w_-1" in bad.stderr


def test_files_over_the_limit_are_refused_before_sending(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    _login(config, server, "hugo")
    big = tmp_path / "big.png"
    big.write_bytes(pyvips.Image.gaussnoise(1000, 800).cast("uchar").pngsave_buffer(compression=0))
    assert big.stat().st_size > UPLOAD_LIMIT
    posts_before = _upload_requests(server)

    done = run_cli(config, "upload", str(big), str(PHOTOS / "coffee.png"))
    assert done.returncode == 1
    size, limit = f"{big.stat().st_size / 1024:.1f} KB", f"{UPLOAD_LIMIT / 1024:.1f} KB"
    assert f"FAILED    {big}  {size} is over the server's upload limit of {limit}" in done.stderr
    assert done.stdout.strip() == "1 uploaded, 0 skipped (already uploaded), 1 failed"
    assert _upload_requests(server) == posts_before + 1  # only coffee.png was sent


def _access_log(server: Origin) -> list[dict[str, object]]:
    return [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]


def _upload_requests(server: Origin) -> int:
    """POST /images lines of the access log, once every request answered so far is in it: a line is
    written as its request finishes, so a request made now is logged after them."""
    def count(lines: list[dict[str, object]], method: str, route: str) -> int:
        return sum(1 for line in lines if line.get("method") == method and line.get("route") == route)

    marks = count(_access_log(server), "GET", "/healthz")
    assert httpx.get(f"{server.base}/healthz").status_code == 200
    deadline = time.monotonic() + 30
    while count(lines := _access_log(server), "GET", "/healthz") == marks:
        assert time.monotonic() < deadline, "the access log did not show a request within 30 s"
        time.sleep(0.05)
    return count(lines, "POST", "/images")


def test_profiles_keep_one_login_per_server(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    other = Origin(tmp_path / "second", {})
    (tmp_path / "second").mkdir()
    other.start()
    try:
        _login(config, server, "iris")
        second = run_cli(config, "login", "--server", other.base, "--register", "-u", "ivan", "--password",
                         PASSWORD, "--profile", "staging")
        assert second.returncode == 0, second.stderr
        assert f"registered and logged in as ivan on {other.base} as profile staging" in second.stdout
        assert run_cli(config, "upload", str(PHOTOS / "coffee.png"), "--profile", "staging").returncode == 0

        listed = run_cli(config, "profiles")
        assert listed.stdout.splitlines() == [f"default  {server.base}  iris", f"staging  {other.base}  ivan"]
        assert run_cli(config, "ls", "--json").stdout.strip() == "[]"  # iris, on the first server
        staged = json.loads(run_cli(config, "ls", "--json", "--profile", "staging").stdout)
        assert [i["filename"] for i in staged] == ["coffee.png"]
        from_env = run_cli(config, "ls", "--json", env={"IMGORIGIN_PROFILE": "staging"})
        assert json.loads(from_env.stdout) == staged

        out = run_cli(config, "logout", "--profile", "staging")
        assert out.returncode == 0, out.stderr
        assert run_cli(config, "ls", "--profile", "staging").stderr.strip() == (
            "imgorigin: not logged in: run imgorigin login --profile staging"
        )
        assert run_cli(config, "ls").returncode == 0  # the default profile is untouched
        assert run_cli(config, "ls", "--profile", "../etc").stderr.strip() == (
            "imgorigin: --profile: '../etc' is not a profile name (letters, digits, '.', '_' and '-')"
        )
    finally:
        other.stop()


def test_a_login_saved_before_profiles_is_the_default_profile(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    token = httpx.post(f"{server.base}/register", json={"username": "olden", "password": PASSWORD}).json()["token"]
    config.mkdir()
    (config / "credentials.json").write_text(json.dumps({"server": server.base, "username": "olden", "token": token}))
    listed = run_cli(config, "ls")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.strip() == "0 images"


def test_progress_redraws_one_line_on_a_terminal(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    _login(config, server, "tess")
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("rocket.jpg", "coffee.png", "chelsea.png"):
        shutil.copy(PHOTOS / name, folder)
    controller, terminal = pty.openpty()
    env = {**os.environ, "IMGORIGIN_CONFIG_DIR": str(config)}
    env.pop("IMGORIGIN_SERVER", None)
    process = subprocess.Popen([sys.executable, "-m", "imgorigin", "upload", str(folder), "--jobs", "1"],
                               stdout=subprocess.PIPE, stderr=terminal, env=env)
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert stdout.decode().strip() == "3 uploaded, 0 skipped (already uploaded), 0 failed"
    text = output.decode().replace("\r\n", "\n")  # the terminal turns each newline into CR LF
    # Redrawn in place: carriage return and erase-line before each bar, one line per file, a final 100%.
    redraws = text.split("\r\x1b[K")
    assert len(redraws) > 6
    files = [line for line in text.replace("\r\x1b[K", "\n").splitlines() if line.startswith("uploaded  ")]
    assert [line.split("  ")[1] for line in files] == [str(folder / n) for n in ("chelsea.png", "coffee.png", "rocket.jpg")]
    assert redraws[-1].startswith("[############################] 100%  3/3 files")


def test_public_ids_from_paths_in_a_folder(server: Origin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    _login(config, server, "paths")
    root = tmp_path / "Pictures"
    (root / "trips" / "paris").mkdir(parents=True)
    shutil.copy(PHOTOS / "rocket.jpg", root / "trips" / "paris" / "eiffel tower.jpg")
    shutil.copy(PHOTOS / "chelsea.png", root / "cat.png")

    done = run_cli(config, "upload", str(root), "--public-id-from-path", "--folder", "site", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {path: entry["public_id"] for path, entry in result.items()} == {
        str(root / "cat.png"): "site/cat",
        str(root / "trips" / "paris" / "eiffel tower.jpg"): "site/trips/paris/eiffel tower",
    }
    headers = _token(server, "paths")
    shown = httpx.get(f"{server.base}/images/site/trips/paris/eiffel tower", headers=headers)
    assert shown.status_code == 200 and shown.json()["filename"] == "eiffel tower.jpg"
    folders = httpx.get(f"{server.base}/folders", headers=headers).json()["folders"]
    assert folders == [{"path": "site", "count": 2}, {"path": "site/trips", "count": 1},
                       {"path": "site/trips/paris", "count": 1}]

    # --folder alone: the server picks the name (a random id) inside the folder.
    shutil.copy(PHOTOS / "coffee.png", tmp_path / "coffee.png")
    alone = json.loads(run_cli(config, "upload", str(tmp_path / "coffee.png"), "--folder", "misc", "--json").stdout)
    assert re.fullmatch(r"misc/[A-Za-z0-9]{16}", alone[str(tmp_path / "coffee.png")]["public_id"])

    bad = run_cli(config, "upload", str(PHOTOS / "logo.png"), "--folder", "../up")
    assert bad.returncode == 1 and "invalid_public_id" in bad.stderr
