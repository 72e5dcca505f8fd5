"""/healthz, /readyz, /metrics and the access log, through the real app."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.errors import Unavailable
from imgorigin.state.metrics import SECONDS_BUCKETS, Metrics, exposition, merge
from tests.helpers import TEST_URL_SECRET, Account, error, services_of


def samples(text: str) -> dict[str, float]:
    """{'name{labels}': value} of every sample line."""
    rows = (line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {name: float(value) for name, value in rows}


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_readyz_fails_when_a_dependency_does(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    services = services_of(client)

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    def storage_down() -> None:
        raise Unavailable("Storage is unavailable; retry shortly", retry_after=5, detail="connection refused")

    monkeypatch.setattr(services.db, "ping", locked)
    response = client.get("/readyz")
    assert error(response) == (503, "not_ready", "Not ready: database unreachable")
    assert response.headers["retry-after"] == "5"
    monkeypatch.setattr(services.storage, "ping", storage_down)
    assert error(client.get("/readyz"))[2] == "Not ready: storage and database unreachable"


def test_metrics_count_requests_cache_results_and_renders(alice: Account) -> None:
    image = alice.upload()
    url = alice.client.post(f"/images/{image['id']}/transform", headers=alice.headers,
                            json={"transformations": {"resize": {"width": 120, "height": 90, "mode": "fill"}}}).json()
    path = url["url"].split("://", 1)[1].split("/", 1)[1]
    alice.client.get("/" + path)  # cached already by the transform call: a hit
    alice.client.get("/" + path)
    other = signed_path(TEST_URL_SECRET, image["id"], url["transformation"], "webp")
    assert alice.client.get(other).headers["x-cache"] == "MISS"
    assert alice.client.get("/no/such/page").status_code == 404

    response = alice.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    values = samples(response.text)
    delivery = 'route="/t/{path:path}"'
    assert values[f'imgorigin_http_requests_total{{method="GET",{delivery},status="200"}}'] == 3
    assert values['imgorigin_http_requests_total{method="POST",route="/images",status="201"}'] == 1
    assert values['imgorigin_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert values['imgorigin_cache_requests_total{result="hit"}'] == 2
    assert values['imgorigin_cache_requests_total{result="miss"}'] == 1
    # one render for the transform call (jpg), one for the webp URL
    assert values['imgorigin_render_duration_seconds_count{format="jpg"}'] == 1
    assert values['imgorigin_render_duration_seconds_count{format="webp"}'] == 1
    for operation in ("c_fill", "w", "h"):
        assert values[f'imgorigin_render_operation_duration_seconds_count{{format="webp",operation="{operation}"}}'] == 1
    buckets = [values[f'imgorigin_render_duration_seconds_bucket{{format="webp",le="{le}"}}']
               for le in (*map(repr, SECONDS_BUCKETS), "+Inf")]
    assert buckets == sorted(buckets) and buckets[-1] == 1
    assert 0 < values['imgorigin_render_duration_seconds_sum{format="webp"}'] < 30
    assert values["imgorigin_renders_in_flight"] == 0
    assert values["imgorigin_renders_queued"] == 0
    assert values["imgorigin_workers"] == 1
    assert values["imgorigin_vips_memory_highwater_bytes"] > 0
    assert values["imgorigin_vips_memory_bytes"] >= 0


def test_workers_on_one_host_are_summed(tmp_path: Path) -> None:
    one = Metrics(tmp_path / "metrics", gauges=lambda: {"imgorigin_renders_in_flight": 2})
    two = Metrics(tmp_path / "metrics", gauges=lambda: {"imgorigin_renders_in_flight": 1})
    for metrics, seconds in ((one, 0.003), (two, 0.2), (two, 40.0)):
        metrics.request("/t/{path:path}", "GET", 200, seconds, "miss")
    two.flush()
    values = samples(one.exposition())
    assert values['imgorigin_http_requests_total{method="GET",route="/t/{path:path}",status="200"}'] == 3
    assert values['imgorigin_cache_requests_total{result="miss"}'] == 3
    histogram = 'imgorigin_http_request_duration_seconds_bucket{route="/t/{path:path}",status="200",le="%s"}'
    assert values[histogram % "0.005"] == 1
    assert values[histogram % "0.25"] == 2
    assert values[histogram % "30.0"] == 2
    assert values[histogram % "+Inf"] == 3
    assert values["imgorigin_renders_in_flight"] == 3
    assert values["imgorigin_workers"] == 2
    # A worker that stopped reporting keeps its counts, but its gauges no longer count.
    stale = merge([one.snapshot(), two.snapshot()], now=time.time() + 60)
    assert ("imgorigin_renders_in_flight", ()) not in stale.gauges
    assert stale.counters[("imgorigin_cache_requests_total", (("result", "miss"),))] == 3
    one.close()
    two.close()


def test_label_values_are_escaped() -> None:
    metrics = Metrics(None)
    metrics.request('/odd"\\route', "GET", 200, 0.1, None)
    assert 'route="/odd\\"\\\\route"' in exposition([metrics.snapshot()])


def test_one_structured_access_log_line_per_request(alice: Account, caplog: pytest.LogCaptureFixture) -> None:
    image = alice.upload()
    with caplog.at_level(logging.INFO, logger="imgorigin.access"):
        first = alice.client.get(image["url"])
        alice.client.get(image["url"] + "?token=secret")
        alice.client.get("/images", headers={"Authorization": "Bearer nope"})
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "imgorigin.access"]
    assert len(lines) == 3
    path = image["url"].split("://", 1)[1].split("/", 1)[1]
    assert lines[0]["method"] == "GET" and lines[0]["path"] == "/" + path
    assert (lines[0]["status"], lines[0]["bytes"], lines[0]["cache"]) == (200, len(first.content), "MISS")
    assert lines[0]["route"] == "/t/{path:path}" and lines[0]["client"] == "testclient"
    assert 0 < lines[0]["duration_ms"] < 30_000
    assert lines[1]["cache"] == "HIT" and "secret" not in json.dumps(lines[1])
    assert (lines[2]["status"], lines[2]["route"], lines[2]["cache"]) == (401, "/images", "-")
