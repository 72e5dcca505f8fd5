"""Past one machine, all real: a control node and two render nodes (``imgorigin serve``) sharing one
S3-compatible bucket (moto over HTTP), behind the project's nginx.conf.

The render nodes have no database rows and never saw an upload: they render from the bucket.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
import pyvips

from imgorigin.client.urls import signed_path
from tests.helpers import TEST_JWT_SECRET, TEST_URL_SECRET, photo, require_tool, wait_until
from tests.integration.servers import MotoServer, Nginx, Origin, free_port

pytestmark = pytest.mark.integration

NGINX_CONF = Path(__file__).parents[2] / "nginx.conf"
DELIVERY = 'route="/t/{path:path}"'
CLOUD_DELIVERY = 'route="/{cloud}/image/upload/{rest:path}"'


@dataclass
class Cluster:
    nginx: Nginx
    control: Origin
    renderers: list[Origin]


def refused(url: str) -> bool:
    return httpx.get(url).status_code == 403


def delivered(metrics_text: str, route: str = DELIVERY) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics_text.splitlines()
               if line.startswith("imgorigin_http_requests_total{") and route in line)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    binary = require_tool("nginx")
    moto = MotoServer(free_port(), tmp_path / "moto.log")
    moto.start()
    shared = {
        "IMGORIGIN_STORAGE": "s3", "IMGORIGIN_S3_ENDPOINT": moto.endpoint, "IMGORIGIN_S3_BUCKET": "cluster",
        "IMGORIGIN_S3_ACCESS_KEY": "key", "IMGORIGIN_S3_SECRET_KEY": "secret", "IMGORIGIN_S3_REGION": "us-east-1",
        "IMGORIGIN_S3_SECURE": "false", "IMGORIGIN_URL_SECRET": TEST_URL_SECRET, "IMGORIGIN_JWT_SECRET": TEST_JWT_SECRET,
        "IMGORIGIN_KEY_SECRET": "cluster-key-secret-0123456789abcdef", "IMGORIGIN_STATE_TTL": "1",
        "IMGORIGIN_ALLOW_SHORT_SIGNATURES": "1",
    }
    nginx = Nginx(binary, tmp_path / "nginx")
    control = Origin(tmp_path / "control", {**shared, "IMGORIGIN_EAGER_VIA": nginx.base, "IMGORIGIN_ROLE": "control"})
    renderers = [Origin(tmp_path / f"render-{n}", {**shared, "IMGORIGIN_ROLE": "render"}) for n in (1, 2)]
    nodes = [control, *renderers]
    try:
        for node in nodes:
            node.log.parent.mkdir(parents=True, exist_ok=True)
            node.start()
        nginx.start(NGINX_CONF, [node.port for node in renderers], control.port)
        yield Cluster(nginx, control, renderers)
    finally:
        nginx.stop()
        for node in nodes:
            node.stop()
        moto.stop()


def test_render_nodes_serve_from_the_shared_bucket_and_cover_for_each_other(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.nginx.base, timeout=30) as client:
        token = client.post("/register", json={"username": "alice", "password": "correct horse battery"})
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        image_id = client.post("/images", headers=headers, files={
            "file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")}).json()["id"]

        for width in range(100, 106):
            response = client.get(signed_path(TEST_URL_SECRET, image_id, f"w_{width}", "png"))
            assert response.status_code == 200
            assert response.headers["x-cache-status"] == "MISS"
            assert pyvips.Image.new_from_buffer(response.content, "").width == width

        # Each render node rendered some of them, the control node none: delivery never reaches it.
        counts = [delivered(httpx.get(node.base + "/metrics").text) for node in cluster.renderers]
        assert sum(counts) == 6 and all(count >= 1 for count in counts), counts
        assert delivered(httpx.get(cluster.control.base + "/metrics").text) == 0
        for node in cluster.renderers:
            assert httpx.get(node.base + "/readyz").json() == {"status": "ready"}

        # One render node dies: nginx sends its share to the other, nothing fails.
        cluster.renderers[0].stop()
        for width in range(200, 206):
            response = client.get(signed_path(TEST_URL_SECRET, image_id, f"w_{width}", "webp"))
            assert response.status_code == 200, response.text
            assert pyvips.Image.new_from_buffer(response.content, "").width == width
        assert client.get(signed_path(TEST_URL_SECRET, image_id, "w_100", "png")).headers["x-cache-status"] == "HIT"


def test_render_nodes_serve_cloudinary_layouts_from_the_bucket_without_a_database(cluster: Cluster) -> None:
    import cloudinary.utils

    host = cluster.nginx.base.removeprefix("http://")
    with httpx.Client(base_url=cluster.nginx.base, timeout=30) as client:
        token = client.post("/register", json={"username": "alice", "password": "correct horse battery"})
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        key = client.post("/me/api-keys", headers=headers).json()
        assert client.post("/images", headers=headers, data={"public_id": "cat", "folder": "samples/animals"}, files={
            "file": ("rocket.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")}).status_code == 201
        config = {"cloud_name": "alice", "api_key": key["api_key"], "api_secret": key["api_secret"],
                  "secure": False, "cname": host, "sign_url": True}
        for width, options in ((101, {}), (102, {"long_url_signature": True})):
            url, _ = cloudinary.utils.cloudinary_url("samples/animals/cat", format="png", width=width, crop="scale",
                                                     **config, **options)
            response = client.get(str(url))
            assert response.status_code == 200, response.text
            assert response.headers["x-cache-status"] == "MISS"
            assert pyvips.Image.new_from_buffer(response.content, "").width == width
        assert client.get(str(url)).headers["x-cache-status"] == "HIT"

        # the render nodes did it, with no database of their own
        counts = [delivered(httpx.get(node.base + "/metrics").text, CLOUD_DELIVERY) for node in cluster.renderers]
        assert sum(counts) == 2, counts
        for node in cluster.renderers:
            assert not (Path(node.env["IMGORIGIN_DATA_DIR"]) / "imgorigin.db").exists()
            assert httpx.post(node.base + "/register", json={"username": "x", "password": "y" * 12}).status_code == 404

        # a revoked key stops working on every render node within the state TTL
        client.delete(f"/me/api-keys/{key['api_key']}", headers=headers)
        fresh, _ = cloudinary.utils.cloudinary_url("samples/animals/cat", format="png", width=103, crop="scale",
                                                   **config)
        path = str(fresh).split(host, 1)[1]
        for node in cluster.renderers:
            # The nodes re-read the key state every IMGORIGIN_STATE_TTL (1 s): a bound with room for a slow machine.
            wait_until(partial(refused, node.base + path), f"the revocation reaching {node.base}", timeout=5)
