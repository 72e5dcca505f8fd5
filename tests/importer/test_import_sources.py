"""The importer's list and folder sources, and its report, against an in-process server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from imgorigin.app import create_app
from imgorigin.importer.client import Account, Api
from imgorigin.importer.journal import Journal
from imgorigin.importer.run import run_import
from imgorigin.importer.sources import from_folder, from_list
from tests.api.v1_1.sdk import serving
from tests.helpers import make_settings, png


@pytest.fixture
def target(tmp_path: Path) -> object:
    app = create_app(make_settings(tmp_path / "server"))
    with serving(app) as base:
        token = httpx.post(f"{base}/register", json={"username": "site", "password": "a long password"}).json()["token"]
        key = httpx.post(f"{base}/me/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
        with Api(Account("site", key["api_key"], key["api_secret"], base)) as api:
            yield api, base


def test_a_csv_and_a_json_list_with_paths_urls_and_failures(target: tuple[Api, str], tmp_path: Path) -> None:
    api, base = target
    (tmp_path / "red.png").write_bytes(png(6, 4, (255, 0, 0)))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "list.csv").write_text(
        "public_id,source\nbrand/red,red.png\nbrand/notes,notes.txt\n"
        f"brand/missing,{base}/nothing-here.png\nbrand/red,red.png\n")
    stream = io.StringIO()
    with Journal(tmp_path / "state.jsonl") as journal:
        report = run_import(from_list(tmp_path / "list.csv"), api, journal, stream=stream)
    assert (report.total, report.imported, report.skipped) == (4, 1, 0)
    reasons = dict(report.failed)
    assert set(reasons) == {"brand/notes", "brand/missing", "brand/red"}
    assert reasons["brand/notes"].startswith("HTTP 400")
    assert "HTTP 404" in reasons["brand/missing"]
    assert "public id already taken by" in reasons["brand/red"]
    assert "[" in stream.getvalue() and "4" in report.summary()

    (tmp_path / "list.json").write_text(json.dumps([{"public_id": "brand/red", "path": "red.png"},
                                                   {"public_id": "brand/blue", "path": str(tmp_path / "red.png")}]))
    with Journal(tmp_path / "state.jsonl") as journal:
        again = run_import(from_list(tmp_path / "list.json"), api, journal, stream=stream)
    assert (again.imported, again.skipped, again.failed) == (1, 1, [])
    resources = {r["public_id"]: r for r in api.resources()}
    assert set(resources) == {"brand/red", "brand/blue"} and resources["brand/blue"]["width"] == 6


def test_a_folder_skips_hidden_and_non_image_files(target: tuple[Api, str], tmp_path: Path) -> None:
    api, _ = target
    library = tmp_path / "library"
    for relative in ("a/one.png", "a/b/two.PNG", ".cache/three.png", "readme.md"):
        (library / relative).parent.mkdir(parents=True, exist_ok=True)
        (library / relative).write_bytes(png(3, 3) if relative.lower().endswith(".png") else b"# hi")
    items = list(from_folder(library))
    assert [item.public_id for item in items] == ["a/b/two", "a/one"]
    with Journal(tmp_path / "s.jsonl") as journal:
        report = run_import(items, api, journal, stream=io.StringIO())
    assert (report.imported, report.failed) == (2, [])
    with Journal(tmp_path / "s.jsonl") as journal:
        journal.write_map(tmp_path / "map.json")
    mapped = json.loads((tmp_path / "map.json").read_text())
    assert set(mapped) == {"a/b/two", "a/one"} and mapped["a/one"]["width"] == 3
