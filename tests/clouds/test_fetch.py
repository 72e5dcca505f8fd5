"""The fetch delivery type against a real HTTP origin on loopback, and every way to point it elsewhere."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pyvips

from imgorigin.clouds.remote import download
from imgorigin.errors import Forbidden
from tests.clouds.cloudkit import Cloud, make_cloud
from tests.helpers import photo, services_of


class Origin(ThreadingHTTPServer):
    hits: dict[str, int]


class Handler(BaseHTTPRequestHandler):
    server: Origin

    def do_GET(self) -> None:
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        routes = {
            "/coffee.png": (200, {"Content-Type": "image/png"}, photo("coffee.png")),
            "/not-an-image.png": (200, {"Content-Type": "image/png"}, b"hello, I am text" * 10),
            "/gone.png": (404, {}, b"no"),
            "/to-coffee": (302, {"Location": "/coffee.png"}, b""),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "/huge.png": (200, {"Content-Type": "image/png", "Content-Length": str(10**9)}, b""),
        }
        status, headers, body = routes.get(self.path.split("?")[0], (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin(("127.0.0.1", 0), Handler)
    server.hits = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def base(origin: Origin) -> str:
    return f"http://127.0.0.1:{origin.server_address[1]}"


@pytest.fixture
def cloud(tmp_path: Path, origin: Origin) -> Iterator[Cloud]:
    yield from make_cloud(tmp_path, fetch_allowed_hosts=(f"127.0.0.1:{origin.server_address[1]}",),
                          fetch_max_bytes=1024 * 1024)


def fetch_url(cloud: Cloud, remote: str, **options: object) -> str:
    return cloud.sdk(remote, type="fetch", sign_url=True, long_url_signature=True, **options)


def test_an_allow_listed_origin_is_fetched_once_and_rendered(cloud: Cloud, origin: Origin) -> None:
    url = fetch_url(cloud, base(origin) + "/coffee.png", width=100, crop="scale")
    assert "/alice/image/fetch/s--" in url and "/c_scale,w_100/http://127.0.0.1:" in url
    image = cloud.image(url)
    expected = pyvips.Image.new_from_buffer(photo("coffee.png"), "")
    assert (image.width, image.height) == (100, round(expected.height * 100 / expected.width))
    assert cloud.image(fetch_url(cloud, base(origin) + "/coffee.png", width=50, crop="scale")).width == 50
    assert cloud.image(fetch_url(cloud, base(origin) + "/coffee.png")).width == expected.width
    assert origin.hits["/coffee.png"] == 1  # one fetch, three derivatives
    # the query string is part of the remote URL (the SDK escapes '?')
    assert cloud.image(fetch_url(cloud, base(origin) + "/coffee.png?v=2", width=20, crop="scale")).width == 20
    assert origin.hits["/coffee.png?v=2"] == 1


def test_redirects_to_an_allowed_host_are_followed(cloud: Cloud, origin: Origin) -> None:
    assert cloud.image(fetch_url(cloud, base(origin) + "/to-coffee", width=30, crop="scale")).width == 30


def test_refusals(cloud: Cloud, origin: Origin) -> None:
    port = origin.server_address[1]
    cases = [
        ("http://images.example.org/a.png", 403, "Fetching from this host is not allowed"),
        (f"http://127.0.0.2:{port}/coffee.png", 403, "Fetching from this host is not allowed"),
        (f"http://2130706433:{port}/coffee.png", 403, "Fetching from this host is not allowed"),
        (f"http://[::ffff:127.0.0.1]:{port}/coffee.png", 403, "Fetching from this host is not allowed"),
        (f"http://user:pw@127.0.0.1:{port}/coffee.png", 403, "A remote URL with credentials is not allowed"),
        (f"ftp://127.0.0.1:{port}/coffee.png", 400, "The remote URL must be http:// or https:// with a host"),
        (base(origin) + "/to-metadata", 403, "Fetching from this host is not allowed"),
        (base(origin) + "/not-an-image.png", 415, "Not a supported image type (JPEG, PNG, WebP, AVIF, GIF or TIFF)"),
        (base(origin) + "/gone.png", 404, "The remote image was not found"),
        (base(origin) + "/huge.png", 413, "The remote image is larger than 1048576 bytes"),
    ]
    for remote, status, text in cases:
        response = cloud.get(fetch_url(cloud, remote, width=10, crop="scale"))
        assert (response.status_code, response.text) == (status, text + "\n"), remote
        assert response.headers["cache-control"] == "no-store"
    services = services_of(cloud.client)
    assert sorted((services.settings.data_dir / "tmp").glob("fetch-*")) == []  # no refusal left its spool


def test_private_addresses_need_an_explicit_listing(tmp_path: Path, origin: Origin) -> None:
    port = origin.server_address[1]
    for cloud in make_cloud(tmp_path, fetch_allowed_hosts=("*",)):
        for host in ("127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost", "0x7f.1"):
            response = cloud.get(fetch_url(cloud, f"http://{host}:{port}/coffee.png"))
            assert (response.status_code, response.text) == (
                403, "The remote host resolves to a private or local address\n"), host
    assert origin.hits == {}


def test_fetch_is_off_without_an_allow_list(tmp_path: Path, origin: Origin) -> None:
    for cloud in make_cloud(tmp_path):
        response = cloud.get(fetch_url(cloud, base(origin) + "/coffee.png"))
        assert (response.status_code, response.text) == (
            403, "Fetching remote images is off on this server (IMGORIGIN_FETCH_ALLOWED_HOSTS)\n")


def test_unsigned_fetch_follows_the_policy(cloud: Cloud, origin: Origin) -> None:
    unsigned = cloud.sdk(base(origin) + "/coffee.png", type="fetch", width=10, crop="scale")
    assert cloud.get(unsigned).status_code == 401
    cloud.set_policy("open")
    assert cloud.image(unsigned).width == 10
    forged = fetch_url(cloud, base(origin) + "/coffee.png", width=11, crop="scale").replace("w_11", "w_12")
    assert cloud.get(forged).status_code == 403


def test_the_resolved_address_is_the_one_connected_to(tmp_path: Path, origin: Origin) -> None:
    port = origin.server_address[1]
    asked: list[str] = []

    def resolver(host: str, wanted: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    into = tmp_path / "out"
    # a name no DNS knows, listed explicitly: only the pinned address can have served it
    size = download(f"http://pinned.test:{port}/coffee.png", (f"pinned.test:{port}",), into, 10**6, 5.0, resolver)
    assert size == len(photo("coffee.png")) == into.stat().st_size and asked == ["pinned.test"]
    # DNS rebinding: a wildcard-listed name that resolves to loopback is refused before any connection
    with pytest.raises(Forbidden, match="private or local address"):
        download(f"http://rebind.example.org:{port}/coffee.png", ("*.example.org:" + str(port),), into, 10**6, 5.0,
                 resolver)
    assert origin.hits == {"/coffee.png": 1}


def test_the_upload_api_reads_remote_files_under_the_same_rules(cloud: Cloud, origin: Origin) -> None:
    import hashlib

    from imgorigin.clouds.uploads import from_url

    services = services_of(cloud.client)
    received = from_url(services.settings, base(origin) + "/coffee.png?size=full")
    assert received.path.read_bytes() == photo("coffee.png")
    assert (received.filename, received.sha256) == ("coffee.png", hashlib.sha256(photo("coffee.png")).hexdigest())
    received.path.unlink()
    with pytest.raises(Forbidden, match="Fetching from this host is not allowed"):
        from_url(services.settings, "http://169.254.169.254/latest/meta-data/")
    spooled = sorted((services.settings.data_dir / "tmp").glob("upload-*"))
    assert spooled == []  # nothing left behind by the refusal
