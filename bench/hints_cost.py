"""What client hints cost a cache hit, and what nginx's probe costs: python -m bench.hints_cost

The real app (create_app) in-process, driven through ASGI without a server: a hit for ``c_limit,w_300``,
a hit for ``c_limit,w_auto:100`` with ``Sec-CH-Width`` (hint reading and resolution before the key), and
the probe nginx sends for the latter (X-Imgorigin-Probe: resolution, no cache read). Prints CPU
microseconds per request, median of seven interleaved rounds; the machine may be shared, CPU time minds that less.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from imgorigin.app import create_app
from imgorigin.client.urls import signed_path
from tests.helpers import TEST_URL_SECRET, make_settings, photo, register

REQUESTS = 2000
ROUNDS = 7


async def per_request(app: object, path: str, headers: dict[str, str]) -> float:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        assert (await client.get(path, headers=headers)).status_code in (200, 204)
        started = time.process_time()
        for _ in range(REQUESTS):
            await client.get(path, headers=headers)
        return (time.process_time() - started) / REQUESTS * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, TestClient(create_app(make_settings(Path(tmp)))) as client:
        account = register(client, "bench")
        image_id = client.post("/images", headers=account.headers,
                               files={"file": ("rocket.jpg", photo("rocket.jpg"), "image/jpeg")}).json()["id"]
        cases = {
            "hit, c_limit,w_300": (signed_path(TEST_URL_SECRET, image_id, "c_limit,w_300", "jpg"), {}),
            "hit, c_limit,w_auto:100 + Sec-CH-Width": (
                signed_path(TEST_URL_SECRET, image_id, "c_limit,w_auto:100", "jpg"), {"Sec-CH-Width": "280"}),
            "probe, c_limit,w_auto:100 + Sec-CH-Width": (
                signed_path(TEST_URL_SECRET, image_id, "c_limit,w_auto:100", "jpg"),
                {"Sec-CH-Width": "280", "X-Imgorigin-Probe": "1"}),
        }
        rounds: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(ROUNDS):  # interleaved, so a busy moment of the machine hits every case alike
            for name, (path, headers) in cases.items():
                rounds[name].append(asyncio.run(per_request(client.app, path, headers)))
        for name, figures in rounds.items():
            print(f"{name:42s} {statistics.median(figures):7.1f} us CPU/request")


if __name__ == "__main__":
    main()
