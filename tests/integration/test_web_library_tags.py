"""The library's tag filter in real Chromium, on tags set through the Upload API by Cloudinary's SDK."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import cloudinary.uploader
import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.integration import browser as chromium
from tests.integration.live_server import live_server

browser, page, png, sign_up = chromium.browser, chromium.page, chromium.png, chromium.sign_up

pytestmark = pytest.mark.integration

UNICODE = "café ☕"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("library-tags")) as base:
        yield base


def test_tags_filter_the_library(page: Page, server: str) -> None:
    sign_up(page, "tagger")
    token = page.evaluate("sessionStorage.getItem('imgorigin.token')")
    key = httpx.post(f"{server}/me/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
    sdk = {"cloud_name": key["cloud_name"], "api_key": key["api_key"], "api_secret": key["api_secret"],
           "upload_prefix": server}
    for index, (public_id, tags) in enumerate([("pets/cat", ["Pets", UNICODE]), ("pets/dog", ["pets"]),
                                              ("car", [])]):
        handle = io.BytesIO(png(index))
        handle.name = "x.png"
        cloudinary.uploader.upload(handle, public_id=public_id, tags=tags, **sdk)
    page.reload()
    expect(page.locator("#grid li")).to_have_count(3)
    tag = page.get_by_label("Tag")
    expect(tag.locator("option")).to_have_text(["All tags", "Pets (1)", f"{UNICODE} (1)", "pets (1)"])

    tag.select_option("Pets")  # tags are case-sensitive: the dog's "pets" is another tag
    expect(page.locator("#grid li")).to_have_count(1)
    expect(page.get_by_role("img", name="pets/cat")).to_be_visible()
    tag.select_option("pets")
    expect(page.locator("#grid li")).to_have_count(1)
    expect(page.get_by_role("img", name="pets/dog")).to_be_visible()
    tag.select_option(UNICODE)
    expect(page.get_by_role("img", name="pets/cat")).to_be_visible()
    expect(page.locator("#page-info")).to_contain_text("(1 images)")

    # With the search box and the folder: all must hold.
    page.get_by_label("Search").fill("dog")
    expect(page.get_by_text("No image matches this search, folder or tag.")).to_be_visible()
    tag.select_option("pets")
    expect(page.locator("#grid li")).to_have_count(1)
    page.get_by_label("Search").fill("")
    page.get_by_label("Folder").select_option("pets")
    expect(page.locator("#grid li")).to_have_count(1)
    tag.select_option("")
    expect(page.locator("#grid li")).to_have_count(2)
    expect(page.locator("#grid .thumb span").first).to_have_text(re.compile(r"^pets/(cat|dog) · "))


def test_the_tag_filter_stays_hidden_without_tags(page: Page) -> None:
    sign_up(page, "untagged")
    expect(page.get_by_text("No images yet")).to_be_visible()
    expect(page.locator("#tag-filter")).to_be_hidden()
