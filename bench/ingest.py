"""Ingest throughput: a folder of 12 MP JPEGs brought in by ``imgorigin import``.

    python bench/ingest.py                         # 24 images, the importer's 4 at a time, this checkout
    python bench/ingest.py --source /work/main     # the same server and importer from another checkout
    python bench/ingest.py --via api               # POST /images from this script instead, 2 at a time

Each image is a distinct file (the same photo with one byte of its comment changed, so no two share
a hash). Reported: how long until every upload was answered (the import's wall time) with the
server's CPU per upload meanwhile (and the importer's own), and how long until every image is complete
(its levels and colour summary written by the background job), with the CPU per upload over the whole run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import ProcessTree
from servers import WORK, Server, account, upload, wait_http
from sources import write_sources


def distinct_copies(source: Path, count: int, directory: Path) -> list[Path]:
    """``count`` JPEGs with the source's pixels and a distinct COM segment each (distinct sha256)."""
    shutil.rmtree(directory, ignore_errors=True)  # the folder is imported whole: only these files
    directory.mkdir(parents=True)
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

    def bring_in() -> dict[str, float]:
        with ThreadPoolExecutor(concurrency) as pool:
            seconds = sorted(pool.map(lambda path: upload(server.base, token, path)[1], files))
        return {"request_ms_median": seconds[len(files) // 2] * 1000}

    return timed(server, token, len(files), concurrency, bring_in, settle_timeout)


def timed(server: Server, token: str, count: int, concurrency: int, bring_in: Callable[[], dict[str, float]],
          settle_timeout: float) -> dict[str, float]:
    """Server CPU and wall time while ``bring_in`` uploads ``count`` images into ``token``'s account, then
    until every image of the account is complete; with the figures ``bring_in`` returns."""
    tree = ProcessTree(server.pids)
    cpu_start = tree.cpu_seconds()
    started = time.perf_counter()
    extra = bring_in()
    answered = time.perf_counter() - started
    cpu_answered = tree.cpu_seconds() - cpu_start
    pending = wait_complete(server.base, token, image_ids(server.base, token), settle_timeout)
    settled = time.perf_counter() - started
    cpu_settled = tree.cpu_seconds() - cpu_start
    return {
        "uploads": count,
        "concurrency": concurrency,
        "answered_s": answered,
        "uploads_per_s": count / answered,
        "cpu_ms_per_upload_answered": cpu_answered * 1000 / count,
        **extra,
        "complete_s": settled,
        "complete_per_s": count / settled,
        "cpu_ms_per_upload_complete": cpu_settled * 1000 / count,
        "incomplete": len(pending),
    }


def cloud_url(base: str, token: str) -> str:
    """A new API key of the bench user, as the ``cloudinary://`` URL the importer takes."""
    request = urllib.request.Request(f"{base}/me/api-keys", data=b"", method="POST",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        key = json.loads(response.read())
    return f"cloudinary://{key['api_key']}:{key['api_secret']}@{key['cloud_name']}"


def image_ids(base: str, token: str) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        request = urllib.request.Request(f"{base}/images?limit=100&page={page}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        ids += [str(item["id"]) for item in answer["items"]]
        if page >= answer["pages"]:
            return ids
        page += 1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_import(server: Server, folder: Path, workers: int, checkout: Path | None,
                   settle_timeout: float = 600.0) -> dict[str, float]:
    """``imgorigin import`` of ``folder`` (the importer of ``checkout``, else this one) into a new
    account; then wait until each image is complete."""
    token = account(server.base)
    target = cloud_url(server.base, token)
    count = sum(1 for _ in folder.iterdir())
    env = {**os.environ, "PYTHONPATH": str(checkout or Path(__file__).resolve().parent.parent)}

    def bring_in() -> dict[str, float]:
        with tempfile.TemporaryDirectory() as work:
            command = [sys.executable, "-m", "imgorigin", "import", "--to", target, "--to-prefix", server.base,
                       "--workers", str(workers), "--state", f"{work}/journal.jsonl", "--map", f"{work}/map.json",
                       str(folder)]
            client_start = _children_cpu()
            done = subprocess.run(command, env=env, cwd=work, capture_output=True, text=True, timeout=1800)
            client_cpu = _children_cpu() - client_start
        if done.returncode != 0 or f"{count} imported" not in done.stdout + done.stderr:
            raise RuntimeError(f"the import failed: {done.stdout[-1000:]} {done.stderr[-2000:]}")
        return {"importer_cpu_ms_per_upload": client_cpu * 1000 / count}

    return timed(server, token, count, workers, bring_in, settle_timeout)


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
    parser.add_argument("--via", choices=("import", "api"), default="import")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="uploads in flight (default: the importer's 4; 2 with --via api)")
    parser.add_argument("--source", type=Path, default=None, help="another checkout to run instead of this one")
    parser.add_argument("--port", type=int, default=18095)
    args = parser.parse_args()
    sources = write_sources(WORK / "sources")
    files = distinct_copies(sources["big"], args.count, WORK / "ingest")
    data_dir = WORK / f"ingest-data-{args.port}"
    shutil.rmtree(data_dir, ignore_errors=True)
    server = start(args.source, args.port, data_dir, WORK / "ingest.log")
    try:
        if args.via == "import":
            result = measure_import(server, files[0].parent, args.concurrency or 4, args.source)
        else:
            result = measure(server, files, args.concurrency or 2)
        print(json.dumps(result, indent=2))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
