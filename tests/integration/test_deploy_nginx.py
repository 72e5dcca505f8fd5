"""deploy/nginx/imgorigin.conf, the one-node site file, in a real nginx on a non-default port in front of a
real origin: the URLs the API hands out and the playground's thumbnails work through it.

The site file and its snippets run as shipped, with only the listen port, the upstream port, the
cache and log paths and the snippets' directory changed; each substitution must match exactly.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.helpers import PHOTOS, require_tool
from tests.integration import browser as chromium
from tests.integration.servers import Origin, free_port, stop, wait_for_http

# The browser fixtures, taken from their module by the tests that drive a browser.
browser, page, sign_up = chromium.browser, chromium.page, chromium.sign_up

pytestmark = pytest.mark.integration

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx"


def _sub(text: str, pattern: str, replacement: str, count: int) -> str:
    result, found = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert found == count, f"{pattern!r} matched {found} times, expected {count}: the site file changed"
    return result


def _render_site(directory: Path, port: int, origin_port: int) -> Path:
    snippets = directory / "snippets"
    snippets.mkdir(parents=True)
    for snippet in (SITE / "snippets").glob("*.conf"):
        text = snippet.read_text()
        if "proxy_cache_path" in text:
            text = _sub(text, r"/var/cache/nginx/imgorigin", str(directory / "cache"), 1)
        (snippets / snippet.name).write_text(text)
    site = (SITE / "imgorigin.conf").read_text()
    site = _sub(site, r"/etc/nginx/snippets/", f"{snippets}/", 3)  # the two includes and the comment
    site = _sub(site, r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{origin_port};", 2)
    site = _sub(site, r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};", 1)
    site = _sub(site, r"^\s*listen \[::\]:80;\n", "", 1)
    site = _sub(site, r"/var/log/nginx/imgorigin\.access\.log", str(directory / "access.log"), 1)
    (directory / "site.conf").write_text(site)
    temp = "".join(f"    {kind}_temp_path {directory / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                                "uwsgi", "scgi"))
    main = directory / "nginx.conf"
    user = f"{pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name}"
    main.write_text(
        f"user {user};\npid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'} info;\nevents {{}}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n{temp}    include {directory / 'site.conf'};\n}}\n"
    )
    return main


@pytest.fixture(scope="module")
def nginx_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    nginx = require_tool("nginx")
    directory = tmp_path_factory.mktemp("site")
    origin = Origin(directory, {"IMGORIGIN_LOGIN_RATE": "1000"})
    origin.start()
    port = free_port()
    main = _render_site(directory / "nginx", port, origin.port)
    process = subprocess.Popen(
        [nginx, "-c", str(main), "-p", str(directory / "nginx"), "-e", str(directory / "nginx" / "error.log"),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", process, directory / "nginx" / "error.log")
        yield base
    finally:
        stop(process)
        origin.stop()


@pytest.fixture(scope="module")
def server(nginx_site: str) -> str:
    return nginx_site


def test_api_urls_point_back_through_nginx(nginx_site: str) -> None:
    base = nginx_site
    with httpx.Client(timeout=30) as client:
        token = client.post(base + "/register", json={"username": "site", "password": "correct horse battery"})
        headers = {"Authorization": "Bearer " + token.json()["token"]}
        upload = client.post(base + "/images", headers=headers,
                             files={"file": ("rocket.jpg", (PHOTOS / "rocket.jpg").read_bytes(), "image/jpeg")})
        assert upload.status_code == 201, upload.text
        url = upload.json()["url"]
        assert url.startswith(base + "/t/s--"), url  # the port survived the proxy
        first, second = client.get(url), client.get(url)
        assert (first.status_code, first.headers["x-cache-status"]) == (200, "MISS")
        assert (second.headers["x-cache-status"], second.content) == ("HIT", first.content)
        assert client.get(base + "/metrics").status_code == 403


def test_the_playground_thumbnails_load_through_nginx(page: Page, nginx_site: str) -> None:
    sign_up(page, "browser")
    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "coffee.png"))
    thumbnail = page.get_by_role("button", name=re.compile("coffee.png")).locator("img")
    expect(thumbnail).to_have_attribute("src", re.compile(rf"^{re.escape(nginx_site)}/t/s--"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [240, 240]
