"""Legitimate bulk work against the default limits (docs/security.md, finding 20).

1. 50 parallel uploads by 10 users behind one address (the office in front of a migration), twice in
   a row (a second batch within the same minute);
2. ``imgorigin upload`` of N distinct photos by one user, timed, and scaled to 1,000.

Run against a server started with default settings (``imgorigin serve --workers 2``):

    python bench/bulk_uploads.py --server http://127.0.0.1:8080 --photos 120
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyvips

PASSWORD = "bulk password 123"


def photo(n: int) -> bytes:
    """A distinct small JPEG (the CLI skips content it has uploaded already). Small, so that the limits,
    not a loaded machine's decoding speed, decide the figures."""
    noise = pyvips.Image.gaussnoise(320, 240, mean=n % 200 + 20, sigma=30)
    return bytes(noise.bandjoin([noise, noise]).cast("uchar").write_to_buffer(".jpg", Q=80))


def register(server: str, name: str) -> str:
    answer = httpx.post(f"{server}/register", json={"username": name, "password": PASSWORD}, timeout=60)
    answer.raise_for_status()
    return str(answer.json()["token"])


def parallel_uploads(server: str, tokens: list[str], batch: int) -> collections.Counter[int]:
    bodies = [photo(batch * 50 + n) for n in range(50)]

    def send(n: int) -> int:
        headers = {"Authorization": f"Bearer {tokens[n % 10]}"}
        return httpx.post(f"{server}/images", headers=headers, files={"file": (f"{n}.jpg", bodies[n])},
                          timeout=120).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        return collections.Counter(pool.map(send, range(50)))


def cli_bulk(server: str, tag: str, count: int, python: str) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "photos"
        folder.mkdir()
        for n in range(count):
            (folder / f"{n:04d}.jpg").write_bytes(photo(1000 + n))
        env = {**os.environ, "IMGORIGIN_CONFIG_DIR": str(Path(scratch) / "config")}
        login = [python, "-m", "imgorigin", "login", "--server", server, "--register", "-u", f"{tag}importer",
                 "--password", PASSWORD]
        subprocess.run(login, env=env, check=True, capture_output=True)
        started = time.monotonic()
        done = subprocess.run([python, "-m", "imgorigin", "upload", str(folder)], env=env, capture_output=True,
                              text=True)
        return time.monotonic() - started, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--photos", type=int, default=120)
    parser.add_argument("--tag", default="b", help="prefix of the usernames (run twice on one server)")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose imgorigin CLI is timed")
    args = parser.parse_args()
    tokens = [register(args.server, f"{args.tag}staff{n}") for n in range(10)]
    for batch in range(2):
        started = time.monotonic()
        statuses = parallel_uploads(args.server, tokens, batch)
        print(f"batch {batch + 1}: 50 parallel uploads by 10 users behind one address: "
              f"{dict(sorted(statuses.items()))} in {time.monotonic() - started:.1f} s")
    seconds, summary = cli_bulk(args.server, args.tag, args.photos, args.python)
    print(f"CLI upload of {args.photos} photos: {seconds:.1f} s ({summary}); "
          f"{seconds * 1000 / args.photos / 60:.1f} min per 1,000 at that pace")


if __name__ == "__main__":
    main()
