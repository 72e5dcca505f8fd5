"""The shipped nginx.conf, run by a real nginx in front of a real origin (``imgorigin serve``, two workers).

nginx runs a copy of the file with only loopback ports, tmp paths and the user changed (``servers.Nginx``).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pyvips

from imgorigin.client.urls import signed_path
from tests.helpers import TEST_URL_SECRET, photo, require_tool
from tests.integration.servers import Nginx, Origin, settled

pytestmark = pytest.mark.integration

NGINX_CONF = Path(__file__).parents[2] / "nginx.conf"
AVIF = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
WEBP = "image/webp,*/*"
OTHER = "image/png,image/*;q=0.8,*/*;q=0.5"


@dataclass
class Stack:
    base: str  # nginx
    origin: Origin
    client: httpx.Client
    headers: dict[str, str]
    image_id: str

    def url(self, transformation: str, extension: str = "jpg") -> str:
        return self.base + signed_path(TEST_URL_SECRET, self.image_id, transformation, extension)

    def origin_count(self, metric: str, labels: str) -> float:
        text = httpx.get(self.origin.base + "/metrics", timeout=10).text
        lines = [line for line in text.splitlines() if line.startswith(metric + "{") and labels in line]
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines)

    def settled(self, metric: str, labels: str) -> float:
        """The origin's count once every worker has published."""
        return settled(lambda: self.origin_count(metric, labels))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    nginx = require_tool("nginx")
    proxy = Nginx(nginx, tmp_path / "nginx")
    origin = Origin(tmp_path, {"IMGORIGIN_URL_SECRET": TEST_URL_SECRET, "IMGORIGIN_EAGER_VIA": proxy.base}, workers=2)
    origin.start()
    proxy.start(NGINX_CONF, [origin.port], origin.port)
    try:
        with httpx.Client(timeout=30) as client:
            base = proxy.base
            account = client.post(base + "/register", json={"username": "alice", "password": "correct horse battery"})
            assert account.status_code == 201, account.text
            headers = {"Authorization": f"Bearer {account.json()['token']}"}
            upload = client.post(base + "/images", headers=headers,
                                 files={"file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
            assert upload.status_code == 201, upload.text
            yield Stack(base, origin, client, headers, upload.json()["id"])
    finally:
        proxy.stop()
        origin.stop()


def test_the_second_request_is_a_hit_at_nginx(stack: Stack) -> None:
    url = stack.url("c_fill,w_240,h_160")
    first = stack.client.get(url)
    assert first.status_code == 200
    assert first.headers["x-cache-status"] == "MISS"
    assert first.headers["x-cache"] == "MISS"  # the origin rendered it
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    second = stack.client.get(url)
    assert second.headers["x-cache-status"] == "HIT"
    assert second.content == first.content
    image = pyvips.Image.new_from_buffer(second.content, "")
    assert (image.width, image.height) == (240, 160)
    # A junk query string shares the entry instead of reaching a render node.
    assert stack.client.get(url + "?v=2").headers["x-cache-status"] == "HIT"
    # Errors are never cached: a bad signature stays a 401/403 from the origin every time.
    forged = stack.base + signed_path("another-secret-0123456789abcdef", stack.image_id, "c_fill,w_240,h_160", "jpg")
    for _ in range(2):
        refused = stack.client.get(forged)
        assert (refused.status_code, refused.text) == (403, "Invalid signature\n")
        assert refused.headers["x-cache-status"] == "MISS"
    assert stack.settled("imgorigin_http_requests_total", 'route="/t/{path:path}"') == 3
    # The origin's access log: one bare JSON line per request, here the render and the two refusals.
    lines = [json.loads(line) for line in stack.origin.log.read_text().splitlines() if line.startswith("{")]
    delivery = [(line["status"], line["cache"]) for line in lines if line["route"] == "/t/{path:path}"]
    assert delivery == [(200, "MISS"), (403, "-"), (403, "-")]
    assert lines[-1]["time"].endswith("Z") and lines[-1]["client"] == "127.0.0.1"


def test_f_auto_keeps_a_variant_per_accept_class(stack: Stack) -> None:
    url = stack.url("w_200/f_auto")
    expected = {AVIF: "image/avif", WEBP: "image/webp", OTHER: "image/jpeg"}
    for accept, media_type in expected.items():
        response = stack.client.get(url, headers={"Accept": accept})
        assert response.headers["x-cache-status"] == "MISS", accept
        assert response.headers["content-type"] == media_type
        assert response.headers["vary"] == "Accept"
    for accept, media_type in expected.items():
        response = stack.client.get(url, headers={"Accept": accept})
        assert response.headers["x-cache-status"] == "HIT", accept
        assert response.headers["content-type"] == media_type
    # Another browser's Accept in the same class is the same entry.
    chrome_like = stack.client.get(url, headers={"Accept": "image/avif,image/webp,*/*"})
    assert (chrome_like.headers["x-cache-status"], chrome_like.headers["content-type"]) == ("HIT", "image/avif")

    # A fixed format ignores Accept: one entry for every browser.
    fixed = stack.url("w_200", "webp")
    assert stack.client.get(fixed, headers={"Accept": AVIF}).headers["x-cache-status"] == "MISS"
    assert stack.client.get(fixed, headers={"Accept": OTHER}).headers["x-cache-status"] == "HIT"


def test_twenty_concurrent_first_requests_cause_one_render(stack: Stack) -> None:
    url = stack.url("c_fill,w_500,h_500,g_auto/e_sepia")
    renders_before = stack.settled("imgorigin_render_duration_seconds_count", 'format="jpg"')
    requests_before = stack.settled("imgorigin_http_requests_total", 'route="/t/{path:path}"')

    def fetch(_: int) -> httpx.Response:
        with httpx.Client(timeout=60) as client:
            return client.get(url)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(fetch, range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    assert len({r.content for r in responses}) == 1
    statuses = sorted(r.headers["x-cache-status"] for r in responses)
    assert statuses.count("MISS") == 1, statuses
    # Exactly one request reached an origin worker, and it rendered once.
    assert stack.settled("imgorigin_http_requests_total", 'route="/t/{path:path}"') == requests_before + 1
    assert stack.settled("imgorigin_render_duration_seconds_count", 'format="jpg"') == renders_before + 1


def test_uploads_over_the_body_limit_stop_at_nginx(stack: Stack) -> None:
    big = b"\0" * (34 * 1024 * 1024)
    response = stack.client.post(stack.base + "/images", headers=stack.headers,
                                 files={"file": ("big.jpg", io.BytesIO(big), "image/jpeg")})
    assert response.status_code == 413
    assert stack.client.get(stack.base + "/metrics").status_code == 403


def test_eager_work_fills_the_nginx_cache(stack: Stack) -> None:
    response = stack.client.post(stack.base + "/images", headers=stack.headers, data={"eager": "c_fill,w_90,h_90/webp"},
                                 files={"file": ("coffee.png", io.BytesIO(photo("coffee.png")), "image/png")})
    assert response.status_code == 201, response.text
    image_id = response.json()["id"]
    deadline = time.monotonic() + 30
    while True:
        (entry,) = stack.client.get(f"{stack.base}/images/{image_id}", headers=stack.headers).json()["eager"]
        if entry["state"] != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (entry["state"], entry["error"]) == ("done", None)
    delivered = stack.client.get(stack.base + signed_path(TEST_URL_SECRET, image_id, "c_fill,w_90,h_90", "webp"))
    assert delivered.headers["x-cache-status"] == "HIT"  # nobody asked before: the eager job did
    assert delivered.headers["content-type"] == "image/webp"


def test_urls_the_api_hands_out_point_back_through_nginx(stack: Stack) -> None:
    """nginx listens on a non-default port: the Host it passes on keeps it, so every URL works."""
    assert stack.base.rsplit(":", 1)[1] not in ("80", "443")
    upload = stack.client.post(stack.base + "/images", headers=stack.headers,
                               files={"file": ("logo.png", io.BytesIO(photo("logo.png")), "image/png")})
    assert upload.status_code == 201, upload.text
    assert upload.json()["url"].startswith(stack.base + "/t/s--")
    signed = stack.client.post(stack.base + "/sign", headers=stack.headers, json={
        "items": [{"id": stack.image_id, "transformation": "c_fill,w_64,h_64", "format": "png"}]})
    (item,) = signed.json()["items"]
    assert item["url"].startswith(stack.base + "/t/s--")
    for url in (upload.json()["url"], item["url"]):
        delivered = stack.client.get(url)
        assert delivered.status_code == 200 and delivered.headers["x-cache-status"] in ("MISS", "HIT")
    details = stack.client.get(f"{stack.base}/images/{stack.image_id}", headers=stack.headers).json()
    assert details["download"] == f"{stack.base}/images/{stack.image_id}/download"


def test_client_hints_in_one_step_are_one_nginx_entry(stack: Stack) -> None:
    url = stack.url("c_limit,w_auto:100:300")  # the photo is 640 wide

    def get(**hints: str) -> tuple[str, int, str]:
        response = stack.client.get(url, headers=hints)
        assert response.status_code == 200, response.text
        return response.headers["x-cache-status"], pyvips.Image.new_from_buffer(response.content, "").width, \
            response.headers["vary"]

    assert get(**{"Sec-CH-Width": "401"})[:2] == ("MISS", 500)
    assert get(**{"Sec-CH-Width": "499"})[:2] == ("HIT", 500)
    assert get(**{"Width": "450"})[:2] == ("HIT", 500)  # the old hint name, the same step
    assert get(**{"Sec-CH-Viewport-Width": "250", "Sec-CH-DPR": "2"})[:2] == ("HIT", 500)
    assert get(**{"Sec-CH-Width": "501"})[:2] == ("MISS", 600)
    assert get(**{"Sec-CH-Width": "9000"})[:2] == ("MISS", 640)  # capped at the original: its own entry
    assert get(**{"Sec-CH-Width": "1200"})[:2] == ("HIT", 640)
    # Without hints, the fallback; hostile hints name the fallback's entry and never fail.
    assert get() == ("MISS", 300, "Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-DPR, DPR")
    assert get()[:2] == ("HIT", 300)
    assert get(**{"Sec-CH-Width": "-5"})[:2] == ("MISS", 300)
    assert get(**{"Sec-CH-Width": "abc", "DPR": "NaN"})[:2] == ("HIT", 300)
    # Errors still come from the origin, whatever the hints: a forged signature, an unknown image.
    forged = stack.base + signed_path("another-secret-0123456789abcdef", stack.image_id, "w_auto:100", "jpg")
    refused = stack.client.get(forged, headers={"Sec-CH-Width": "300"})
    assert (refused.status_code, refused.text) == (403, "Invalid signature\n")
    missing = stack.base + signed_path(TEST_URL_SECRET, "NoSuchImage42", "w_auto:100", "jpg")
    assert stack.client.get(missing, headers={"Sec-CH-Width": "300"}).status_code == 404


def test_a_probe_header_from_outside_is_dropped(stack: Stack) -> None:
    response = stack.client.get(stack.url("w_auto:100"), headers={"Sec-CH-Width": "200", "X-Imgorigin-Probe": "1"})
    assert response.status_code == 200
    assert pyvips.Image.new_from_buffer(response.content, "").width == 200
