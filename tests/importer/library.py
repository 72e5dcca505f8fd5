"""Generated libraries, accounts and importer runs, shared by the import test and bench/import_throughput.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pyvips

from tests.integration.servers import Origin

ROOT = Path(__file__).resolve().parents[2]


def make_library(folder: Path, count: int) -> dict[str, bytes]:
    """``count`` distinct 8x8 PNGs in ten sub-folders: public id -> bytes."""
    made = {}
    for n in range(count):
        colour = [n % 256, (n // 256) * 40 % 256, (n * 7) % 256]
        data = bytes((pyvips.Image.black(8, 8, bands=3) + colour).cast("uchar").pngsave_buffer(compression=1))
        public_id = f"set{n % 10}/img{n:04d}"
        path = folder / f"{public_id}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        made[public_id] = data
    return made


def account(origin: Origin, name: str) -> str:
    token = httpx.post(f"{origin.base}/register", json={"username": name, "password": "correct horse battery"}
                       ).json()["token"]
    key = httpx.post(f"{origin.base}/me/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
    return f"cloudinary://{key['api_key']}:{key['api_secret']}@{key['cloud_name']}"


def importer(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "imgorigin", "import", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return process.returncode, out


def counts(summary: str) -> tuple[int, int, int, int]:
    found = re.search(r"(\d+) imported, (\d+) skipped \(already there\), (\d+) failed of (\d+)", summary)
    assert found, summary
    return tuple(int(n) for n in found.groups())  # type: ignore[return-value]
