"""Hostile renders against a real server: wall time, CPU and RSS of the whole server tree.

    python bench/hostile.py deadline      # 5 expensive components on a 1000x872 JPEG (finding: deadline)
    python bench/hostile.py gif           # a 500-frame GIF asked for 8000 px wide, four at once, twice
    python bench/hostile.py disconnect    # two expensive renders whose clients leave after 2 s

Loopback only; every request has a client timeout and the server is stopped by its PID. Settings are
passed through the environment (``IMGORIGIN_RENDER_TIMEOUT=3 python bench/hostile.py deadline``).
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import ProcessTree, RssSampler, descendants

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

EXPENSIVE = "/".join(
    ["c_scale,w_8000,h_5000,e_sharpen:2000"]
    + ["c_fill,g_auto,w_8000,h_5000,e_sharpen:2000"] * 3
    + ["c_fill,g_auto,w_8000,h_5000"]
)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def animated_gif() -> bytes:
    """500 frames of 632x632 in a dozen kilobytes (each frame paints one pixel of the screen): inside
    every upload cap. Built by hand, as libvips' saver would merge identical frames."""
    frame = b"!\xf9\x04\x00\x01\x00\x00\x00" + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
    screen = struct.pack("<HH", 632, 632)
    return b"GIF89a" + screen + b"\x80\x00\x00\xff\xff\xff\x00\x00\x00" + frame * 500 + b";"


class Server:
    def __init__(self, data_dir: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log = data_dir.parent / "server.log"
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "IMGORIGIN_REGISTER_RATE": "0", "IMGORIGIN_RENDER_RATE": "0",
               "IMGORIGIN_BCRYPT_ROUNDS": "4"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "imgorigin", "serve", "--port", str(self.port), "--workers", str(workers),
             "--data-dir", str(data_dir)],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"),
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError("the server did not start")
        self.tree = ProcessTree([self.process.pid])

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def setup(server: Server, data: bytes, name: str, transformations: list[tuple[str, str]]) -> list[str]:
    client = httpx.Client(base_url=server.base, timeout=30)
    token = client.post("/register", json={"username": "mallory", "password": "correct horse battery"}).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    image = client.post("/images", headers=headers, files={"file": (name, io.BytesIO(data))})
    image.raise_for_status()
    image_id = image.json()["id"]
    items = [{"id": image_id, "transformation": t, "format": f} for t, f in transformations]
    signed = client.post("/sign", headers=headers, json={"items": items})
    signed.raise_for_status()
    return [item["url"].split("://", 1)[1].split("/", 1)[1] for item in signed.json()["items"]]


def worker_rss(server: Server) -> str:
    """RSS of each process of the tree (master first), in MB."""
    sizes = [int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // MB
             for pid in descendants([server.process.pid]) if Path(f"/proc/{pid}/statm").exists()]
    return "+".join(str(size) for size in sizes) + " MB"


def fetch(server: Server, path: str, timeout: float) -> tuple[str, float]:
    started = time.monotonic()
    try:
        response = httpx.get(f"{server.base}/{path}", timeout=timeout)
        outcome = f"{response.status_code} {response.text.strip()[:60] if response.status_code >= 400 else ''}"
    except httpx.TimeoutException:
        outcome = "client timeout"
    return outcome, time.monotonic() - started


def deadline_case(server: Server) -> None:
    urls = setup(server, (ROOT / "tests/fixtures/hubble_deep_field.jpg").read_bytes(), "hubble.jpg",
                 [(EXPENSIVE, "jpg")])
    cpu = server.tree.cpu_seconds()
    with RssSampler(server.tree) as rss:
        outcome, wall = fetch(server, urls[0], 200)
    print(f"expensive render: {outcome} in {wall:.1f} s wall, "
          f"{server.tree.cpu_seconds() - cpu:.1f} s CPU, peak RSS {rss.peak / MB:.0f} MB")


def disconnect_case(server: Server) -> None:
    """Two expensive renders (different URLs: no single flight) whose clients hang up after 2 s: when
    does the origin finish with them (its access log), and is a cheap render served meanwhile?
    Run with MAX_RENDER_COST=0 so that they start."""
    other = EXPENSIVE + "/e_grayscale"
    urls = setup(server, (ROOT / "tests/fixtures/hubble_deep_field.jpg").read_bytes(), "hubble.jpg",
                 [(EXPENSIVE, "jpg"), (other, "jpg"), ("w_100", "jpg")])
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        print("clients:", [r[0] for r in pool.map(lambda path: fetch(server, path, 2), urls[:2])])
    outcome, wall = fetch(server, urls[2], 120)
    print(f"a cheap render meanwhile: {outcome} in {wall:.1f} s")
    while time.monotonic() - started < 300:
        lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
        done = [line for line in lines if "e_sharpen" in line.get("path", "")]
        if len(done) == 2:
            finished = [(line["status"], f"{line['duration_ms'] / 1000:.1f} s") for line in done]
            print("the origin finished them:", finished)
            return
        time.sleep(0.5)
    print("the origin still had not finished them after 300 s")


def gif_case(server: Server) -> None:
    transformations = [(f"c_scale,w_62{i},a_hflip/c_scale,w_8000", "gif") for i in range(8)]
    urls = setup(server, animated_gif(), "frames.gif", transformations)
    time.sleep(1)
    print(f"idle RSS {server.tree.rss_bytes() / MB:.0f} MB ({worker_rss(server)})")
    for batch in (urls[:4], urls[4:]):
        cpu = server.tree.cpu_seconds()
        with RssSampler(server.tree) as rss, ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda path: fetch(server, path, 120), batch))
        time.sleep(1)
        print(f"batch: {[r[0] for r in results]} in {max(r[1] for r in results):.1f} s, "
              f"{server.tree.cpu_seconds() - cpu:.1f} s CPU, peak RSS {rss.peak / MB:.0f} MB, "
              f"after {server.tree.rss_bytes() / MB:.0f} MB ({worker_rss(server)})")
    transformations = [("c_scale,w_300", "gif")]
    url = setup_again(server, transformations)
    if url:
        with RssSampler(server.tree) as rss:
            outcome, wall = fetch(server, url, 120)
        print(f"successful 300 px render: {outcome} in {wall:.1f} s, peak RSS {rss.peak / MB:.0f} MB")


def setup_again(server: Server, transformations: list[tuple[str, str]]) -> str | None:
    client = httpx.Client(base_url=server.base, timeout=30)
    token = client.post("/login", json={"username": "mallory", "password": "correct horse battery"}).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    image_id = client.get("/images", headers=headers).json()["items"][0]["id"]
    items = [{"id": image_id, "transformation": t, "format": f} for t, f in transformations]
    signed = client.post("/sign", headers=headers, json={"items": items}).json()
    return str(signed["items"][0]["url"]).split("://", 1)[1].split("/", 1)[1]


def main() -> None:
    case = sys.argv[1] if len(sys.argv) > 1 else "deadline"
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        server = Server(data_dir)
        try:
            {"deadline": deadline_case, "gif": gif_case, "disconnect": disconnect_case}[case](server)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
