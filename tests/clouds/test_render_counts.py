"""A host publishes its render counts to the store only when there is something new to say."""

from __future__ import annotations

import json
from pathlib import Path

from imgorigin.clouds.renders import RenderPublisher, snapshot_key
from imgorigin.services.wiring import Services
from tests.helpers import make_settings


def test_a_snapshot_is_written_when_the_counts_change_and_only_then(tmp_path: Path) -> None:
    services = Services.build(make_settings(tmp_path, state_ttl=30.0))
    try:
        publisher = RenderPublisher(services)
        counter = services.renders
        month = counter.month()
        key = snapshot_key(month, counter.node_id())
        assert publisher.publish() is False and not services.storage.exists(key)  # nothing rendered yet

        counter.count("img1")
        counter.count("img1")
        counter.learn("img1", "site")
        counter.count("img2")
        assert publisher.publish() is True
        blob = services.storage.get(key)
        assert blob is not None and blob.path is not None
        written = json.loads(blob.path.read_bytes())
        assert written == {"node": counter.node_id(), "month": month, "clouds": {"site": 2}, "images": {"img2": 1}}

        assert publisher.publish() is False  # unchanged: not written again
        counter.count("img2")
        assert RenderPublisher(services).publish() is False  # another worker, within this period's lease
    finally:
        services.close()
