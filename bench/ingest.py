"""Ingest throughput: many 12 MP JPEGs uploaded through the JSON API, as an import does it.

    python bench/ingest.py                         # 24 uploads, 2 at a time, against this checkout
    python bench/ingest.py --source /work/main     # the same against another checkout (before/after)

Each upload is a distinct file (the same photo with one byte of its comment changed, so no two share
a hash). Reported: how long until every upload was answered (the import's wall time) with the
server's CPU per upload meanwhile, and how long until every image is complete (its levels and colour
summary written by the background job), with the CPU per upload over the whole run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import ProcessTree
from servers import WORK, Server, account, upload, wait_http
from sources import write_sources


def distinct_copies(source: Path, count: int, directory: Path) -> list[Path]:
    """``count`` JPEGs with the source's pixels and a distinct COM segment each (distinct sha256)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    paths = []
    for n in range(count):
        comment = f"copy {n:06d}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        path = directory / f"ingest_{n:03d}.jpg"
        path.write_bytes(data[:2] + segment + data[2:])
        paths.append(path)
    return paths


def complete(base: str, token: str, image_id: str) -> bool:
    request = urllib.request.Request(f"{base}/images/{image_id}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()).get("colors") is not None


def wait_complete(base: str, token: str, ids: list[str], timeout: float = 600.0) -> set[str]:
    """Wait until every image has its summary (and so its levels); the ids still incomplete at the timeout."""
    pending = set(ids)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = {image_id for image_id in pending if not complete(base, token, image_id)}
        if pending:
            time.sleep(0.05)
    return pending


def measure(server: Server, files: list[Path], concurrency: int, settle_timeout: float = 600.0) -> dict[str, float]:
    """Upload every file, ``concurrency`` at a time; then wait until each image is complete."""
    token = account(server.base)
    tree = ProcessTree(server.pids)
    cpu_start = tree.cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda path: upload(server.base, token, path), files))
    answered = time.perf_counter() - started
    cpu_answered = tree.cpu_seconds() - cpu_start
    pending = wait_complete(server.base, token, [image_id for image_id, _ in results], settle_timeout)
    settled = time.perf_counter() - started
    cpu_settled = tree.cpu_seconds() - cpu_start
    count = len(files)
    return {
        "uploads": count,
        "concurrency": concurrency,
        "answered_s": answered,
        "uploads_per_s": count / answered,
        "cpu_ms_per_upload_answered": cpu_answered * 1000 / count,
        "request_ms_median": sorted(seconds for _, seconds in results)[count // 2] * 1000,
        "complete_s": settled,
        "complete_per_s": count / settled,
        "cpu_ms_per_upload_complete": cpu_settled * 1000 / count,
        "incomplete": len(pending),
    }


def start(source: Path | None, port: int, data_dir: Path, log: Path) -> Server:
    """``imgorigin serve --workers 2`` from this checkout, or from another one (``source``)."""
    env = {**os.environ, "IMGORIGIN_ALLOW_UNSIGNED": "1", "IMGORIGIN_UPLOAD_RATE": "0", "IMGORIGIN_RENDER_RATE": "0",
           "IMGORIGIN_LOG_LEVEL": "warning", "IMGORIGIN_RENDER_QUEUE": "256", "IMGORIGIN_CACHE_SIZE": "0",
           "IMGORIGIN_BG_REMOVAL_WARM": "0",
           "IMGORIGIN_DATA_DIR": str(data_dir)}
    checkout = source or Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = str(checkout)  # and run from there: ``-m`` puts the working directory first
    command = [sys.executable, "-m", "imgorigin", "serve", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, cwd=checkout, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    server = Server("imgorigin", f"http://127.0.0.1:{port}", [proc])
    wait_http(server.base + "/healthz", 60)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--source", type=Path, default=None, help="another checkout to run instead of this one")
    parser.add_argument("--port", type=int, default=18095)
    args = parser.parse_args()
    sources = write_sources(WORK / "sources")
    files = distinct_copies(sources["big"], args.count, WORK / "ingest")
    data_dir = WORK / f"ingest-data-{args.port}"
    shutil.rmtree(data_dir, ignore_errors=True)
    server = start(args.source, args.port, data_dir, WORK / "ingest.log")
    try:
        print(json.dumps(measure(server, files, args.concurrency), indent=2))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
