"""Starting the servers under test the way they are deployed, and stopping them by PID.

- imgorigin: ``imgorigin serve --workers 2`` (uvicorn), unsigned URLs allowed, its own data directory.
- thumbor: its own virtualenv, file loader from a local directory, no storage, no result storage;
  one single-process instance per core behind nginx (its ``--processes`` mode can leave a core idle).
- nginx: proxy_cache in front of imgorigin for cache hits, or a plain balancer in front of thumbor.
All listen on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
THUMBOR_VENV = WORK / "thumbor-venv"
THUMBOR_VERSION = "7.8.0"  # checked on Python 3.11 with Pillow 12 (AVIF built in)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Server:
    name: str
    base: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f}s")


def start_imgorigin(name: str, port: int, data_dir: Path, log: Path, preload: str = "", **env: str) -> Server:
    environ = {
        **os.environ,
        **({"LD_PRELOAD": preload} if preload else {}),
        "IMGORIGIN_ALLOW_UNSIGNED": "1",
        "IMGORIGIN_RENDER_RATE": "0",
        "IMGORIGIN_UPLOAD_RATE": "0",
        "IMGORIGIN_LOG_LEVEL": "warning",
        "IMGORIGIN_RENDER_QUEUE": "256",
        # No workload removes backgrounds: loading the model at start-up would only add its CPU to the
        # first measurements and its memory to every RSS figure.
        "IMGORIGIN_BG_REMOVAL_WARM": "0",
        **{f"IMGORIGIN_{key.upper()}": value for key, value in env.items()},
    }
    command = [shutil.which("imgorigin") or "imgorigin", "serve", "--workers", "2", "--port", str(port),
               "--data-dir", str(data_dir)]
    proc = subprocess.Popen(command, env=environ, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    server = Server(name, f"http://127.0.0.1:{port}", [proc])
    wait_http(server.base + "/healthz", 120)  # two workers importing pyvips and numpy on a busy machine
    return server


def api(base: str, path: str, body: dict[str, object] | None = None, token: str | None = None) -> dict[str, object]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None, method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def account(base: str, username: str = "bench", password: str = "bench password 123") -> str:
    """A token for the bench user (registered on first use)."""
    try:
        return str(api(base, "/register", {"username": username, "password": password})["token"])
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise
        return str(api(base, "/login", {"username": username, "password": password})["token"])


def upload(base: str, token: str, path: Path) -> tuple[str, float]:
    """Upload through the API as any client would: (image id, seconds the request took)."""
    boundary = "imgoriginbench"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(base + "/images", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    return str(answer["id"]), time.perf_counter() - start


def ensure_thumbor() -> Path:
    """Install thumbor into its own virtualenv on first use; the path of its ``thumbor`` script."""
    script = THUMBOR_VENV / "bin" / "thumbor"
    if not script.exists():
        subprocess.run([sys.executable, "-m", "venv", str(THUMBOR_VENV)], check=True)
        subprocess.run([str(THUMBOR_VENV / "bin" / "pip"), "install", "-q", f"thumbor=={THUMBOR_VERSION}"],
                       check=True)
    return script


def thumbor_version() -> str:
    out = subprocess.run([str(ensure_thumbor()), "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip()


def _thumbor_config(root: Path, conf: Path) -> None:
    conf.write_text(f"""
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = {str(root)!r}
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = None
ALLOW_UNSAFE_URL = True
QUALITY = 80
WEBP_QUALITY = 80
PNG_COMPRESSION_LEVEL = 6
MAX_AGE = 0
RESPECT_ORIENTATION = True
# imgorigin's AVIF default is libvips Q55 at effort 1 (aom speed 8); these give the same bytes and
# SSIM from Pillow (thumbor's own default, quality 80 at speed 6, makes files 2.3x bigger).
AVIF_QUALITY = 55
AVIF_SPEED = 8
""")


def _nginx(conf_text: str, name: str) -> subprocess.Popen[bytes]:
    prefix = WORK / f"nginx-{name}"
    shutil.rmtree(prefix, ignore_errors=True)
    (prefix / "logs").mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(conf_text.replace("@PREFIX@", str(prefix)))
    return subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=(prefix / "logs" / "stderr").open("wb"))


_NGINX_MAIN = """
daemon off;
master_process on;
worker_processes 2;
pid @PREFIX@/nginx.pid;
error_log @PREFIX@/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path @PREFIX@/client_temp;
    proxy_temp_path @PREFIX@/proxy_temp;
    fastcgi_temp_path @PREFIX@/fastcgi_temp;
    uwsgi_temp_path @PREFIX@/uwsgi_temp;
    scgi_temp_path @PREFIX@/scgi_temp;
    %s
}
"""


def start_thumbor_farm(root: Path, ports: list[int], front: int, log: Path) -> Server:
    script = ensure_thumbor()
    conf = WORK / "thumbor.conf"
    _thumbor_config(root, conf)
    procs = []
    for port in ports:
        procs.append(subprocess.Popen([str(script), "-p", str(port), "-i", "127.0.0.1", "-c", str(conf), "-l", "error"],
                                      stdout=log.open("ab"), stderr=subprocess.STDOUT))
    upstream = "\n".join(f"server 127.0.0.1:{port};" for port in ports)
    http = f"""
    upstream thumbor {{ {upstream} keepalive 32; }}
    server {{
        listen 127.0.0.1:{front};
        location / {{
            proxy_pass http://thumbor;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 120s;
        }}
    }}"""
    procs.append(_nginx(_NGINX_MAIN % http, "thumbor"))
    server = Server("thumbor", f"http://127.0.0.1:{front}", procs)
    for port in ports:
        wait_http(f"http://127.0.0.1:{port}/healthcheck")
    wait_http(server.base + "/healthcheck")
    return server


def start_nginx_cache(origin: str, port: int) -> Server:
    """nginx with proxy_cache in front of the origin: the cache-hit tier a deployment puts first."""
    http = f"""
    proxy_cache_path @PREFIX@/cache levels=1:2 keys_zone=images:10m max_size=1g inactive=7d use_temp_path=off;
    upstream origin {{ server {origin.removeprefix("http://")}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location /t/ {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # the cache directives of the project's nginx.conf (f_auto key folding left out: no f_auto here)
            proxy_cache images;
            proxy_cache_key $uri;
            proxy_ignore_headers Vary;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 35s;
            proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
            proxy_cache_valid 200 7d;
            add_header X-Nginx-Cache $upstream_cache_status;
        }}
    }}"""
    proc = _nginx(_NGINX_MAIN % http, "cache")
    server = Server("nginx cache", f"http://127.0.0.1:{port}", [proc])
    time.sleep(0.5)
    return server


def start_bare_uvicorn(port: int, log: Path) -> Server:
    """bench/hello.py under ``uvicorn --workers 2``: what any Python origin's hit path is bounded by."""
    command = [sys.executable, "-m", "uvicorn", "hello:app", "--workers", "2", "--port", str(port),
               "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log", "--app-dir", str(WORK.parent)]
    proc = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    server = Server("bare uvicorn (ceiling)", f"http://127.0.0.1:{port}", [proc])
    wait_http(server.base + "/")
    return server


SHARP_DIR = WORK / "sharp"


def ensure_sharp() -> Path | None:
    """sharp (it ships its own libvips) in bench/.work/sharp via npm, or None without node/npm."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        return None
    modules = SHARP_DIR / "node_modules"
    if not (modules / "sharp").exists():
        SHARP_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "sharp@0.34"], cwd=SHARP_DIR,
                              capture_output=True)
        if done.returncode != 0:
            return None
    return modules


def sharp_version(modules: Path) -> str:
    out = subprocess.run(["node", "-e", "const v=require(process.argv[1]).versions;"
                          "console.log(`sharp ${v.sharp}, libvips ${v.vips}`)", str(modules / "sharp")],
                         capture_output=True, text=True)
    return out.stdout.strip()


def start_sharp(root: Path, port: int, modules: Path, log: Path) -> Server:
    script = WORK.parent / "sharp_server.js"
    proc = subprocess.Popen(["node", str(script), str(port), str(root), str(modules)],
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)
    server = Server("sharp", f"http://127.0.0.1:{port}", [proc])
    wait_http(server.base + "/healthz")
    return server

