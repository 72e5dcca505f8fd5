"""``api.usage`` counts the renders of every node: a control node and a render node (no database) that
share one store, each a live server with its own host state, driven by the SDK."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import cloudinary
import cloudinary.api
import cloudinary.uploader
import httpx
import pytest

from imgorigin.app import create_app
from imgorigin.client.urls import signed_path
from imgorigin.clouds import renders
from imgorigin.clouds.state import ACCOUNT_PREFIX, POINTER_PREFIX, write_json
from imgorigin.services.wiring import Services
from imgorigin.state.rendercount import RenderCounter
from imgorigin.storage import PYRAMID_PREFIX
from tests.api.v1_1.sdk import Cloud, new_cloud, serving, stream
from tests.helpers import TEST_URL_SECRET, jpeg, make_settings

KEY_SECRET = "usage-nodes-key-secret-0123456789abcdef"
STORE_PREFIXES = ("originals", PYRAMID_PREFIX, ACCOUNT_PREFIX, POINTER_PREFIX, renders.PREFIX)


@pytest.fixture(name="nodes", scope="module")
def nodes_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cloud, Cloud, str, Services]]:
    root = tmp_path_factory.mktemp("nodes")
    control_settings = make_settings(root / "control", key_secret=KEY_SECRET, state_ttl=0.0)
    services = Services.build(control_settings)
    control = create_app(control_settings, services)
    # The local store is the data directory; the host state (state/, cache/) stays each node's own.
    (root / "render" / "data").mkdir(parents=True)
    for prefix in STORE_PREFIXES:
        shared = control_settings.data_dir / prefix
        shared.mkdir(parents=True, exist_ok=True)
        (root / "render" / "data" / prefix).symlink_to(shared, target_is_directory=True)
    render_settings = make_settings(root / "render", key_secret=KEY_SECRET, state_ttl=0.0, role="render")
    render_services = Services.build(render_settings)
    render = create_app(render_settings, render_services)
    with serving(control) as control_base, serving(render) as render_base:
        saved = dict(cloudinary.config().__dict__)
        try:
            mine = new_cloud(control_base, services, "counted")
            theirs = new_cloud(control_base, services, "elsewhere")
            yield mine, theirs, render_base, render_services
        finally:
            cloudinary.config().__dict__.clear()
            cloudinary.config().__dict__.update(saved)


def on(base: str, url: str) -> httpx.Response:
    """``url`` (built for the control node) requested from the node at ``base``."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = httpx.get(base + path, timeout=30)
    assert response.status_code == 200, (path, response.text[:200])
    return response


def usage_of(cloud: Cloud, expected: int, seconds: float = 10) -> int:
    """The account's renders this month, once it reaches ``expected`` (snapshots come each period)."""
    deadline = time.monotonic() + seconds
    while True:
        found = int(cloudinary.api.usage(**cloud.options)["transformations"]["usage"])
        if found >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_renders_on_the_render_node_are_counted_by_the_control_node(
        nodes: tuple[Cloud, Cloud, str, Services]) -> None:
    mine, theirs, render_base, render_services = nodes
    cloudinary.uploader.upload(stream(jpeg(80, 60)), public_id="a", **mine.options)
    cloudinary.uploader.upload(stream(jpeg(80, 60)), public_id="b", **mine.options)
    cloudinary.uploader.upload(stream(jpeg(80, 60)), public_id="x", **theirs.options)
    assert usage_of(mine, 0) == 0

    assert on(mine.base, mine.url("a", width=10, crop="scale", format="png")).headers["x-cache"] == "MISS"
    for width in (20, 30):  # the render node: a cloud URL names the account
        assert on(render_base, mine.url("a", width=width, crop="scale", format="png")).headers["x-cache"] == "MISS"
    on(render_base, mine.url("a", width=20, crop="scale", format="png"))  # a hit: no render
    # /t/ names no account: the render node publishes it by image id, which the control node knows.
    image_b = mine.record("b").id
    assert on(render_base, render_base + signed_path(TEST_URL_SECRET, image_b, "w_15", "png")).status_code == 200
    for width in (11, 12, 13):  # another account's renders count for it alone
        on(render_base, theirs.url("x", width=width, crop="scale", format="png"))

    assert usage_of(mine, 4) == 4
    assert usage_of(theirs, 3) == 3
    month = RenderCounter.month()
    node = render_services.renders.node_id()
    published = json.loads(Path(render_services.settings.data_dir / "renders" / month / node[:2] / node)
                           .read_text())
    assert published["clouds"] == {"counted": 2, "elsewhere": 3}
    assert published["images"] == {image_b: 1}


def test_a_snapshot_holds_accounts_and_a_bounded_number_of_images(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    counter = RenderCounter(tmp_path / "renders")
    try:
        for n in range(30):
            for _ in range(n + 1):
                counter.count(f"img{n:02d}")
        for n in range(10):
            counter.learn(f"img{n:02d}", "owner")
        monkeypatch.setattr(renders, "MAX_IMAGES", 5)
        data = renders.snapshot(counter, counter.month())
        assert data["clouds"] == {"owner": sum(range(1, 11))}
        assert data["images"] == {f"img{n:02d}": n + 1 for n in range(25, 30)}  # the most rendered
        assert renders.snapshot(counter, "1999-01")["clouds"] == {}
    finally:
        counter.close()


def test_foreign_or_broken_snapshots_in_the_store_count_nothing(nodes: tuple[Cloud, Cloud, str, Services]) -> None:
    mine, _, _, render_services = nodes
    before = usage_of(mine, 0)
    month = RenderCounter.month()
    tmp = render_services.settings.data_dir / "tmp"
    image_a = mine.record("a").id
    storage = render_services.storage
    storage_dir = render_services.settings.data_dir / "renders" / month
    hostile = {
        "aaaa0000aaaa0000": {"clouds": {"counted": -50}, "images": {image_a: "9"}},
        "bbbb0000bbbb0000": {"clouds": ["counted"], "images": None},
        "cccc0000cccc0000": {"clouds": {"counted": True}, "images": {image_a: 1.5}},
    }
    for node, data in hostile.items():
        write_json(storage, renders.snapshot_key(month, node), data, tmp)
    (storage_dir / "dd").mkdir(parents=True, exist_ok=True)
    (storage_dir / "dd" / "dddd0000dddd0000").write_text("{not json")
    assert usage_of(mine, before) == before
    write_json(storage, renders.snapshot_key(month, "eeee0000eeee0000"),
                       {"clouds": {"counted": 7}, "images": {image_a: 2, "someone-elses": 100}}, tmp)
    assert usage_of(mine, before + 9) == before + 9
    for node in [*hostile, "dddd0000dddd0000", "eeee0000eeee0000"]:
        storage.delete(renders.snapshot_key(month, node))
