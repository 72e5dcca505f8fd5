"""Renders this month per account, summed over every node that renders (the Admin API's ``usage``).

Each host counts its renders by image id (``cache.RenderCounter``, shared by its workers). Render
nodes never open the database, so they cannot ask whose image they rendered; cloud-layout delivery,
whose URL names the account, tells the counter. Every ``IMGORIGIN_STATE_TTL`` seconds (at least one),
one worker per host publishes the host's counts of the month to the shared store, when they changed::

    renders/<YYYY-MM>/<node id>  {"node", "month", "clouds": {cloud: renders},
                                  "images": {image id: renders}}

``clouds`` holds the renders of images whose account the host learnt, ``images`` the others (the
``/t/`` layout names no account), at most ``MAX_IMAGES`` of them, the most rendered. A snapshot thus
grows with the accounts a node served, not with their images. The control node answers ``usage`` with
its own live counts plus every other node's latest snapshot: the sum is at most one period behind.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from typing import Any

import anyio.to_thread

from imgorigin.clouds.state import read_json, write_json
from imgorigin.services.wiring import Services
from imgorigin.state.rendercount import RenderCounter
from imgorigin.storage import Storage

log = logging.getLogger("imgorigin.clouds")

PREFIX = "renders"
MAX_IMAGES = 10_000


def snapshot_key(month: str, node: str) -> str:
    return f"{PREFIX}/{month}/{node}"


def snapshot(counter: RenderCounter, month: str) -> dict[str, Any]:
    """The host's renders of ``month``: per account where it knows the account, else per image."""
    clouds: dict[str, int] = {}
    images: dict[str, int] = {}
    for image_id, renders in counter.month_counts(month).items():
        owner = counter.owner(image_id)
        if owner is None:
            images[image_id] = renders
        else:
            clouds[owner] = clouds.get(owner, 0) + renders
    if len(images) > MAX_IMAGES:
        images = dict(heapq.nlargest(MAX_IMAGES, images.items(), key=lambda item: item[1]))
    return {"node": counter.node_id(), "month": month, "clouds": clouds, "images": images}


class RenderPublisher:
    """Writes the host's snapshot when it changed; one worker of the host per period does it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.period = max(1.0, services.settings.state_ttl)
        self.published: tuple[str, int] | None = None  # (month, changes) this process last wrote

    def publish(self) -> bool:
        counter = self.services.renders
        month = counter.month()
        changes = counter.changes(month)
        if not changes or self.published == (month, changes):  # nothing rendered, or nothing new
            return False
        if not counter.lease("renders-publish", self.period * 0.9):
            return False
        data = snapshot(counter, month)
        write_json(self.services.storage, snapshot_key(month, data["node"]), data,
                   self.services.settings.data_dir / "tmp")
        self.published = (month, changes)
        return True

    async def run(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self.period)
            try:
                await anyio.to_thread.run_sync(self.publish)
                failing = False
            except Exception as exc:  # the store is down, or refuses this node's writes: try next period
                if not failing:  # once per outage, not once per period
                    log.warning("could not publish this node's render counts (the usage report misses "
                                "them until it can): %r", exc)
                failing = True


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def total(counter: RenderCounter, storage: Storage, cloud: str, image_ids: list[str], month: str | None = None) -> int:
    """The account's renders in ``month``: this host's live counts, and every other node's snapshot."""
    month = month or counter.month()
    own = counter.node_id()
    renders = counter.total(image_ids, month)
    wanted = set(image_ids)
    for key in list(storage.keys(f"{PREFIX}/{month}")):
        if key.rsplit("/", 1)[-1] == own:
            continue
        data = read_json(storage, key) or {}
        clouds, images = data.get("clouds"), data.get("images")
        if isinstance(clouds, dict):
            renders += _count(clouds.get(cloud))
        if isinstance(images, dict):
            renders += sum(_count(images.get(image_id)) for image_id in wanted & images.keys())
    return renders
