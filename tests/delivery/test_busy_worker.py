"""A worker with renders waiting for its slots asks the client to reconnect, so that a less busy worker
can take the next request (docs/performance.md, "Connections and workers")."""

from __future__ import annotations

import http.client
import io
import threading
from pathlib import Path

import httpx

from tests.helpers import AppClient, make_settings, register, services_of
from tests.imaging import photo_mosaic
from tests.integration.servers import Origin


def test_a_render_answered_while_others_wait_closes_its_connection(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path, allow_unsigned=True)) as client:
        alice = register(client, "alice")
        upload = client.post("/images", headers=alice.headers,
                             files={"file": ("p.jpg", io.BytesIO(photo_mosaic(640, 480)), "image/jpeg")})
        image_id = upload.json()["id"]
        slots = services_of(client).renderer.slots
        alone = client.get(f"/t/w_100/{image_id}.jpg")
        slots.waiting += 1  # another request of this worker waits for a render slot
        try:
            crowded = client.get(f"/t/w_120/{image_id}.jpg")
            hit = client.get(f"/t/w_100/{image_id}.jpg")
        finally:
            slots.waiting -= 1
    assert alone.headers["x-cache"] == "MISS" and "connection" not in alone.headers
    assert crowded.headers["x-cache"] == "MISS" and crowded.headers["connection"] == "close"
    assert hit.headers["x-cache"] == "HIT" and "connection" not in hit.headers  # a hit took no slot


def test_the_server_closes_the_connections_of_renders_that_others_waited_for(tmp_path: Path) -> None:
    # One render slot, three renders sent at once on three keep-alive connections: the first two answers
    # leave renders waiting and close their connections; the last keeps its connection open.
    origin = Origin(tmp_path, {"IMGORIGIN_RENDER_CONCURRENCY": "1", "IMGORIGIN_ALLOW_UNSIGNED": "1",
                               "IMGORIGIN_CACHE_SIZE": "0", "IMGORIGIN_PYRAMID": "0"})
    origin.start()
    try:
        token = httpx.post(f"{origin.base}/register",
                           json={"username": "alice", "password": "correct horse battery"}).json()["token"]
        image_id = httpx.post(f"{origin.base}/images", headers={"Authorization": f"Bearer {token}"},
                              files={"file": ("p.jpg", photo_mosaic(2400, 1800), "image/jpeg")}).json()["id"]
        start = threading.Barrier(3)
        answers: list[tuple[int, bool]] = []

        def fetch(width: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", origin.port, timeout=60)
            connection.connect()
            start.wait()
            connection.request("GET", f"/t/w_{width}/e_sharpen/{image_id}.png")
            response = connection.getresponse()
            response.read()
            answers.append((response.status, response.will_close))
            connection.close()

        threads = [threading.Thread(target=fetch, args=(1000 + n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        origin.stop()
    assert [status for status, _ in answers] == [200, 200, 200]
    assert [closes for _, closes in answers] == [True, True, False]
