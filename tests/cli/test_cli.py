"""The command line, and the README walk-through pasted into a shell against a real server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from imgorigin.security import long_signature
from tests.integration.servers import Origin, free_port

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imgorigin", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Origin]:
    origin = Origin(tmp_path, {})
    origin.start()
    try:
        yield origin
    finally:
        origin.stop()


def test_serve_prints_what_to_do_next(server: Origin) -> None:
    server.stop()
    output = server.log.read_text()
    assert f"imgorigin 0.1.0 on {server.base}" in output
    assert f"curl -s -X POST {server.base}/register" in output


def test_readme_walk_through_works_when_pasted(server: Origin, tmp_path: Path) -> None:
    base = server.base
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Walk-through", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    script = block.replace("BASE=http://127.0.0.1:8080", f"BASE={base}")
    script = script.replace(".venv/bin/imgorigin", f"{sys.executable} -m imgorigin")
    script = script.replace("-o thumb.webp", f"-o {tmp_path / 'thumb.webp'}")
    # Pasted in the checkout, as the README's reader would after the Quick start.
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.match(
        rf"^{re.escape(base)}/t/s--[A-Za-z0-9_-]{{32}}--/c_fill,w_300,h_200/e_grayscale/f_webp/\w{{16}}\.webp$",
        lines[0],
    )
    assert lines[1].startswith("200 image/webp ")
    thumb = pyvips.Image.new_from_file(str(tmp_path / "thumb.webp"))
    assert (thumb.width, thumb.height) == (300, 200)


def test_sign_prints_a_url_the_server_accepts(server: Origin, tmp_path: Path) -> None:
    base, data = server.base, tmp_path / "origin-data"
    env = {"IMGORIGIN_DATA_DIR": str(data), "IMGORIGIN_NEW_PASSWORD": "a long password"}
    created = cli("user", "create", "frank", env=env)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created user frank (id ")
    token = httpx.post(f"{base}/login", json={"username": "frank", "password": "a long password"}).json()["token"]
    image = httpx.post(
        f"{base}/images",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("c.png", (ROOT / "tests/fixtures/coffee.png").read_bytes())},
    ).json()["id"]
    signed = cli("sign", image, "c_fill,w_64,h_64", "--format", "webp", "--base", base, env=env)
    assert signed.returncode == 0, signed.stderr
    url = signed.stdout.strip()
    secret = (data / "secrets" / "url.key").read_text().strip()
    assert url == f"{base}/t/{long_signature(f'c_fill,w_64,h_64/{image}.webp', secret)}/c_fill,w_64,h_64/{image}.webp"
    response = httpx.get(url)
    assert response.status_code == 200
    assert pyvips.Image.new_from_buffer(response.content, "").width == 64
    quarter = cli("sign", image, "$side_iw_div_4/w_$side", "--format", "png", "--base", base, env=env)
    assert quarter.returncode == 0, quarter.stderr
    assert pyvips.Image.new_from_buffer(httpx.get(quarter.stdout.strip()).content, "").width == 150
    bad = cli("sign", image, "w_abc", env=env)
    assert bad.returncode == 1
    assert "Invalid w_abc" in bad.stderr
    duplicate = cli("user", "create", "frank", env=env)
    assert duplicate.returncode == 1 and "taken" in duplicate.stderr


def test_unsigned_mode_warns_loudly(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "IMGORIGIN_DATA_DIR": str(tmp_path), "IMGORIGIN_ALLOW_UNSIGNED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "imgorigin", "serve", "--workers", "1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 60  # a loaded machine starts slowly; the line ends the wait
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
            if "IMGORIGIN_ALLOW_UNSIGNED is on" in line or "Uvicorn running" in line:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
    assert "WARNING: IMGORIGIN_ALLOW_UNSIGNED is on" in "".join(seen) + rest


def test_invalid_settings_stop_the_server_with_a_message(tmp_path: Path) -> None:
    result = cli(
        "serve", "--port", str(free_port()), env={"IMGORIGIN_DATA_DIR": str(tmp_path), "IMGORIGIN_JWT_SECRET": "short"}
    )
    assert result.returncode == 2
    assert "IMGORIGIN_JWT_SECRET must be at least 32 bytes" in result.stderr


def test_settings_command_lists_every_setting() -> None:
    result = cli("settings", env={})
    assert result.returncode == 0
    assert "IMGORIGIN_URL_SECRET" in result.stdout and "IMGORIGIN_CACHE_SIZE" in result.stdout
