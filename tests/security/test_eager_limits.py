"""Eager derivations are their owner's rendering: same budget, same limits, a bounded backlog, and a
render that timed out is not tried again."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from tests.helpers import Account, register, services_of, wait_until
from tests.security.appstate import MakeClient

SETTLE = 15.0


def upload(account: Account, eager: str, name: str = "rocket.jpg") -> Any:
    return account.post(name, form={"eager": eager})


POSTPONED = ("imgorigin_eager_total", (("result", "postponed"),))


def counters_now(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return services_of(client).metrics.snapshot().counters


def states(account: Account, image_id: str, until: int) -> list[dict[str, Any]]:
    """The image's eager entries once ``until`` of them are no longer pending."""
    deadline = time.monotonic() + SETTLE
    while True:
        entries: list[dict[str, Any]] = account.client.get(f"/images/{image_id}", headers=account.headers).json()["eager"]
        if sum(entry["state"] != "pending" for entry in entries) >= until or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def test_an_eager_render_that_times_out_is_not_retried(make_client: MakeClient) -> None:
    client = make_client(render_timeout=0.3, max_render_cost=0)
    alice = register(client, "alice")
    response = upload(alice, "c_scale,w_8000,h_5000,e_sharpen:2000/jpg", "hubble_deep_field.jpg")
    assert response.status_code == 201, response.text
    image_id = response.json()["id"]
    entries = states(alice, image_id, until=1)
    # Before: a timeout was "busy, retry": five attempts of the full render, ten seconds apart.
    assert [(e["state"], e["error"]) for e in entries] == [("failed", "The render took too long")]
    assert [job.attempts for job in services_of(client).db.eager_for(image_id)] == [1]


def test_eager_work_is_charged_to_its_owner_render_budget(make_client: MakeClient) -> None:
    client = make_client(transform_rate=2)  # two renders a minute for each user
    alice, bob = register(client, "alice"), register(client, "bob")
    response = upload(alice, "w_10|w_20|w_30")
    assert response.status_code == 201, response.text
    image_id = response.json()["id"]
    states(alice, image_id, until=2)
    wait_until(lambda: counters_now(client).get(POSTPONED, 0) >= 1, "the third job's turn")
    entries = alice.client.get(f"/images/{image_id}", headers=alice.headers).json()["eager"]
    assert [e["state"] for e in entries] == ["done", "done", "pending"]
    assert [job.attempts for job in services_of(client).db.eager_for(image_id)] == [1, 1, 0]
    # The same budget as POST /images/{id}/transform: spent for alice, untouched for bob.
    transform = alice.client.post(f"/images/{image_id}/transform", headers=alice.headers, json={"transformations": {"resize": {"width": 40}}})
    assert transform.status_code == 429
    own = bob.upload("rocket.jpg")["id"]
    assert client.post(f"/images/{own}/transform", headers=bob.headers, json={"transformations": {"resize": {"width": 40}}}).status_code == 200


def test_waiting_eager_jobs_are_capped_per_user(make_client: MakeClient) -> None:
    client = make_client(eager_concurrency=0, eager_pending=3)  # no pool on this node: jobs wait
    alice, bob = register(client, "alice"), register(client, "bob")
    assert upload(alice, "w_10|w_20").status_code == 201
    refused = upload(alice, "w_30|w_40")
    assert refused.status_code == 429
    assert refused.json()["error"] == {
        "code": "eager_backlog",
        "message": "You have 2 eager derivations waiting; at most 3 may wait: retry when they are done",
    }
    assert int(refused.headers["retry-after"]) >= 1
    assert alice.client.get("/images", headers=alice.headers).json()["total"] == 1  # nothing stored
    assert upload(alice, "w_30").status_code == 201  # within the cap
    assert upload(bob, "w_10|w_20|w_30").status_code == 201  # another user's backlog is their own
