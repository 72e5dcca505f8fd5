"""Would a shared tier of derived images in the bucket pay? Render time against object-store round trips.

A shared tier turns a render-node cache miss into a GET from the bucket (when another node rendered the
derivative before) and adds a PUT after every render. It pays when GET < render and enough misses are
for derivatives another node already made. Run:  python -m bench.s3_tier

Object-store times are measured against moto on loopback, which has no network in the way: they are a
floor. Add the round trip of the real store (same-region S3: ~10-30 ms to first byte for small objects;
MinIO on a LAN: ~1-5 ms) before comparing.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from minio import Minio
from starlette.testclient import TestClient

from bench.sources import write_sources
from imgorigin.app import create_app
from imgorigin.environment import load_settings
from tests.integration.servers import MotoServer, free_port

ROUNDS = 7
CASES = [
    ("big", "c_fill,w_400,h_300", "jpg"),
    ("big", "w_1200", "webp"),
    ("big", "w_800", "avif"),
    ("hd", "c_fill,w_400,h_300", "jpg"),
    ("hd", "w_1200", "webp"),
    ("rgba", "w_600", "png"),
]


def median_ms(func: object, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    work = Path(__file__).resolve().parent / ".work"
    sources = write_sources(work / "sources")
    with tempfile.TemporaryDirectory() as tmp:
        moto = MotoServer(free_port(), Path(tmp) / "moto.log")
        moto.start()
        try:
            s3 = Minio(moto.endpoint, "bench", "bench", secure=False, region="us-east-1")
            s3.make_bucket("tier")
            settings = load_settings(env={}, data_dir=Path(tmp) / "data", allow_unsigned=True, cache_size=0,
                                     render_rate=0.0, transform_rate=0.0, bcrypt_rounds=4,
                                     eager_concurrency=0)
            with TestClient(create_app(settings)) as client:
                token = client.post("/register", json={"username": "bench", "password": "a long password"})
                headers = {"Authorization": f"Bearer {token.json()['token']}"}
                ids = {}
                for name, path in sources.items():
                    answer = client.post("/images", headers=headers,
                                         files={"file": (path.name, path.read_bytes(), "application/octet-stream")})
                    ids[name] = answer.json()["id"]
                print(f"{'source':6} {'transformation':22} {'fmt':5} {'bytes':>8} {'render ms':>10} "
                      f"{'GET ms':>7} {'PUT ms':>7}")
                for source, transformation, fmt in CASES:
                    url = f"/t/{transformation}/{ids[source]}.{fmt}"
                    data = client.get(url).content
                    render = median_ms(lambda url=url: client.get(url))
                    key = f"derived/{source}-{transformation}.{fmt}"
                    put = median_ms(lambda key=key, data=data: s3.put_object("tier", key, io.BytesIO(data), len(data)))

                    def get(key: str = key) -> None:
                        response = s3.get_object("tier", key)
                        response.read()
                        response.close()
                        response.release_conn()

                    print(f"{source:6} {transformation:22} {fmt:5} {len(data):>8} {render:>10.1f} "
                          f"{median_ms(get):>7.1f} {put:>7.1f}")
        finally:
            moto.stop()


if __name__ == "__main__":
    main()
