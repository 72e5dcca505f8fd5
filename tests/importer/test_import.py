"""``imgorigin import`` of 1,000 images from a folder and from a second server, killed halfway and resumed."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.importer.library import account, counts, finish, importer, make_library
from tests.integration.servers import Origin, settled

pytestmark = [pytest.mark.integration, pytest.mark.slow]
COUNT = 1000


def listing(origin: Origin, url: str) -> dict[str, dict[str, object]]:
    key, secret, cloud = re.match(r"cloudinary://(\d+):([^@]+)@(.+)", url).groups()  # type: ignore[union-attr]
    found, cursor = {}, ""
    while True:
        page = httpx.get(f"{origin.base}/v1_1/{cloud}/resources/image/upload", auth=(key, secret),
                         params={"max_results": 500, **({"next_cursor": cursor} if cursor else {})}).json()
        found.update({r["public_id"]: r for r in page["resources"]})
        cursor = page.get("next_cursor", "")
        if not cursor:
            return found


def uploads_served(origin: Origin) -> int:
    def read() -> float:
        text = httpx.get(f"{origin.base}/metrics").text
        return sum(int(float(value)) for value in re.findall(
            r'imgorigin_http_requests_total\{[^}]*route="/v1_1/\{cloud\}/image/upload"[^}]*status="200"[^}]*\} (\S+)',
            text))

    return int(settled(read))


@pytest.fixture
def origins(tmp_path: Path) -> Iterator[tuple[Origin, Origin]]:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    first = Origin(tmp_path / "a", {"IMGORIGIN_ADMIN_API_RATE": "0"}, workers=2)
    second = Origin(tmp_path / "b", {"IMGORIGIN_ADMIN_API_RATE": "0"}, workers=2)
    first.start()
    second.start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_import_a_folder_killed_halfway_then_another_server(origins: tuple[Origin, Origin], tmp_path: Path) -> None:
    first, second = origins
    library = make_library(tmp_path / "library", COUNT)
    site, mirror = account(first, "site"), account(second, "mirror")
    state, mapping = tmp_path / "state.jsonl", tmp_path / "map.json"
    common = ["--to", site, "--to-prefix", first.base, "--state", str(state), "--map", str(mapping),
              "--workers", "4"]

    started = time.monotonic()
    process = importer(*common, str(tmp_path / "library"), cwd=tmp_path)
    while not state.exists() or state.read_text().count("\n") < COUNT // 2:
        assert process.poll() is None, process.communicate()[1][-2000:]
        time.sleep(0.05)
    process.kill()
    process.communicate(timeout=10)  # reaps it and closes its pipes
    journaled = state.read_text().count("\n")
    assert COUNT // 2 <= journaled < COUNT

    _, out = finish(importer(*common, str(tmp_path / "library"), cwd=tmp_path))
    elapsed = time.monotonic() - started
    imported, skipped, failed, total = counts(out)
    assert (failed, total) == (0, COUNT) and imported + skipped == COUNT
    assert skipped >= journaled  # everything the first run finished, and what it had in flight
    stored = listing(first, site)
    assert set(stored) == set(library)  # nothing lost
    assert uploads_served(first) == COUNT  # nothing uploaded twice
    for public_id, data in library.items():
        assert stored[public_id]["etag"] == hashlib.sha256(data).hexdigest()[:32]
    written = json.loads(mapping.read_text())
    assert set(written) == set(library)
    assert written["set3/img0003"]["sha256"] == hashlib.sha256(library["set3/img0003"]).hexdigest()
    print(f"\nfolder import: {COUNT} images in {elapsed:.1f} s ({COUNT / elapsed:.0f} images/s)")

    # From the first server's Admin API to the second server: originals byte for byte.
    mirrored = ["--from-cloudinary", site, "--from-prefix", first.base, "--to", mirror, "--to-prefix",
                second.base, "--state", str(tmp_path / "mirror.jsonl"), "--map", str(tmp_path / "mirror.json")]
    _, out = finish(importer(*mirrored, cwd=tmp_path))
    assert counts(out) == (COUNT, 0, 0, COUNT)
    copied = listing(second, mirror)
    assert {pid: r["etag"] for pid, r in copied.items()} == {pid: r["etag"] for pid, r in stored.items()}
    assert (copied["set7/img0007"]["width"], copied["set7/img0007"]["format"]) == (8, "png")

    (tmp_path / "mirror.jsonl").unlink()  # without its journal, the target's etags still make it a no-op
    _, out = finish(importer(*mirrored, cwd=tmp_path))
    assert counts(out) == (0, COUNT, 0, COUNT)
    assert uploads_served(second) == COUNT
