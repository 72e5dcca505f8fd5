"""The shipped nginx.conf against hostile URLs, with a real nginx over two real render nodes.

- nginx's cache key is the raw path the origin verifies the signature on, so a URL that nginx would
  normalise (``%2F..%2F``) cannot fill another signed URL's entry;
- the unsigned ``v<digits>`` segment is not in the key: one entry per signed URL;
- a render that times out (504 ``render_timeout``) is not run again on the other node, while a busy
  node's 503 still is.

The two nodes are two ``imgorigin serve`` processes on one data directory (a shared disk).
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pyvips

from imgorigin.client.urls import signed_path
from tests.helpers import TEST_JWT_SECRET, TEST_URL_SECRET, photo, require_tool
from tests.integration.servers import Nginx, Origin

pytestmark = pytest.mark.integration

NGINX_CONF = Path(__file__).parents[2] / "nginx.conf"
# The slow renders below must reach libvips: no cost bound refusing them up front.
UNBOUNDED = {"IMGORIGIN_MAX_RENDER_COST": "0"}


@dataclass
class Edge:
    nginx: Nginx
    nodes: list[Origin]
    client: httpx.Client
    image_id: str
    logged: int = field(default=0)

    def path(self, transformation: str, extension: str = "jpg") -> str:
        return signed_path(TEST_URL_SECRET, self.image_id, transformation, extension)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(self.nginx.base + path)

    def access_log(self, expect: int = 0) -> list[dict[str, object]]:
        """nginx's JSON access lines for /t/ since the last call, once there are at least ``expect`` of them
        (nginx writes a request's line after sending its response, so the client can be first)."""
        deadline = time.monotonic() + 10
        while True:
            lines = (self.nginx.directory / "access.log").read_text().splitlines()
            entries = [entry for entry in map(json.loads, lines[self.logged:]) if str(entry["uri"]).startswith("/t/")]
            if len(entries) >= expect or time.monotonic() > deadline:
                self.logged = len(lines)
                return entries
            time.sleep(0.02)


MakeEdge = Callable[..., Edge]


@pytest.fixture
def make_edge(tmp_path: Path) -> Iterator[MakeEdge]:
    binary = require_tool("nginx")
    started: list[Nginx | Origin] = []
    clients: list[httpx.Client] = []

    def make(*node_env: dict[str, str], upstreams: tuple[int, ...] = (0, 1, 0)) -> Edge:
        shared = {"IMGORIGIN_DATA_DIR": str(tmp_path / "data"), "IMGORIGIN_URL_SECRET": TEST_URL_SECRET,
                  "IMGORIGIN_JWT_SECRET": TEST_JWT_SECRET}
        nodes = []
        for number, env in enumerate(node_env):
            (tmp_path / f"node-{number}").mkdir()
            node = Origin(tmp_path / f"node-{number}", {**shared, **env})
            node.start()  # one after the other: the first creates the database
            started.append(node)
            nodes.append(node)
        nginx = Nginx(binary, tmp_path / "nginx")
        nginx.start(NGINX_CONF, [nodes[index % len(nodes)].port for index in upstreams], nodes[0].port)
        started.append(nginx)
        client = httpx.Client(timeout=60)
        clients.append(client)
        account = client.post(nginx.base + "/register", json={"username": "alice", "password": "correct horse battery"})
        assert account.status_code == 201, account.text
        upload = client.post(nginx.base + "/images", headers={"Authorization": f"Bearer {account.json()['token']}"},
                             files={"file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
        assert upload.status_code == 201, upload.text
        return Edge(nginx, nodes, client, upload.json()["id"])

    try:
        yield make
    finally:
        for client in clients:
            client.close()
        for server in reversed(started):
            server.stop()


def width_of(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(pyvips.Image.new_from_buffer(response.content, "").width)


def test_a_url_nginx_would_normalise_cannot_fill_another_urls_cache_entry(make_edge: MakeEdge) -> None:
    edge = make_edge({})
    victim = edge.path("c_scale,w_100")  # /t/s--V--/c_scale,w_100/<id>.jpg
    victim_signature = victim.split("/")[2]
    # Decoded and normalised (nginx's $uri), this is the victim's path: the three '..' climb over the
    # text, w_300 and the attacker's own signature. The origin reads it as w_300 plus a 1 px text.
    attack = edge.path(f"w_300/l_text:arial_1:x%2F..%2F..%2F..%2F{victim_signature}%2Fc_scale%2Cw_100")

    attacked = edge.get(attack)
    answer = edge.get(victim)
    assert (answer.headers["x-cache-status"], width_of(answer)) == ("MISS", 100)  # the victim's own render
    assert (attacked.status_code, attacked.text) == (
        400, "Once %2F is decoded, this text layer makes an empty, '.' or '..' path segment that proxies "
             "rewrite: escape '/' in text as %252F\n",
    )
    assert edge.get(victim).headers["x-cache-status"] == "HIT"


def test_the_version_segment_is_not_in_nginxs_key(make_edge: MakeEdge) -> None:
    edge = make_edge({})
    plain = edge.path("c_fill,w_120,h_80")
    head, _, last = plain.rpartition("/")
    assert edge.get(plain).headers["x-cache-status"] == "MISS"
    for version in ("v1", "v2", "v1700000000", "v" + "9" * 20):
        response = edge.get(f"{head}/{version}/{last}?junk=/v3/")
        assert response.headers["x-cache-status"] == "HIT", version
        assert width_of(response) == 120
    # 21 digits is not a version for the origin (so it is in the signed string: refused), nor for nginx.
    refused = edge.get(f"{head}/v{'9' * 21}/{last}")
    assert (refused.status_code, refused.headers["x-cache-status"]) == (403, "MISS")
    # Each of those requests but the first and the last was answered by nginx alone.
    assert [entry["cache"] for entry in edge.access_log(expect=6)] == ["MISS", *["HIT"] * 4, "MISS"]


def test_a_render_timeout_is_not_retried_on_the_other_node(make_edge: MakeEdge) -> None:
    fast_deadline = {**UNBOUNDED, "IMGORIGIN_RENDER_TIMEOUT": "0.2"}
    edge = make_edge(fast_deadline, fast_deadline)
    addresses = {f"127.0.0.1:{node.port}" for node in edge.nodes}
    edge.access_log()
    started = time.monotonic()
    response = edge.get(edge.path("c_scale,w_3000/e_sharpen:500", "png"))
    elapsed = time.monotonic() - started
    assert (response.status_code, response.text) == (504, "The render took too long\n")
    assert response.headers["x-imgorigin-error"] == "render_timeout"
    assert response.headers["cache-control"] == "no-store"
    (entry,) = edge.access_log(expect=1)
    assert entry["upstream"] in addresses  # one node, one attempt: no "a, b"
    assert elapsed < 10
    for node in edge.nodes:
        assert httpx.get(node.base + "/healthz").json() == {"status": "ok"}


def test_a_busy_node_is_still_skipped(make_edge: MakeEdge) -> None:
    """Node 0 has one render slot and no queue; while a long render holds it, its 503 goes to node 1."""
    edge = make_edge({**UNBOUNDED, "IMGORIGIN_RENDER_CONCURRENCY": "1", "IMGORIGIN_RENDER_QUEUE": "0"}, {},
                     upstreams=(0, 1, 1))
    busy, spare = (f"127.0.0.1:{node.port}" for node in edge.nodes)
    long_render = edge.nodes[0].base + edge.path("c_scale,h_5000,w_8000/e_sharpen:2000", "png")

    def hold() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the node is stopped under it at the end
            httpx.get(long_render, timeout=60)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    deadline = time.monotonic() + 20
    while "imgorigin_renders_in_flight 1" not in httpx.get(edge.nodes[0].base + "/metrics").text:
        assert time.monotonic() < deadline, "the long render did not start"
        time.sleep(0.05)
    edge.access_log()
    widths = [width_of(edge.get(edge.path(f"w_{width}"))) for width in (41, 42, 43, 44)]
    assert widths == [41, 42, 43, 44]
    upstreams = [entry["upstream"] for entry in edge.access_log(expect=4)]
    assert f"{busy}, {spare}" in upstreams, upstreams  # refused as busy, answered by the other node
    edge.nodes[0].stop()  # ends the long render with its process
