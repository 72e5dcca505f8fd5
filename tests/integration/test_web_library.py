"""The library and the page layout in real Chromium: hidden controls stay hidden, a phone-sized screen
without sideways scroll, search, bulk delete, and a watermark picker that sees every image."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.helpers import PHOTOS
from tests.integration import browser as chromium
from tests.integration.live_server import live_server

# The browser fixtures, taken from their module by the tests that drive a browser.
browser, page, png, sign_up = chromium.browser, chromium.page, chromium.png, chromium.sign_up

pytestmark = pytest.mark.integration

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("library")) as base:
        yield base


def _upload(server: str, page: Page, name: str, data: bytes) -> str:
    token = page.evaluate("sessionStorage.getItem('imgorigin.token')")
    answer = httpx.post(f"{server}/images", headers={"Authorization": f"Bearer {token}"},
                        files={"file": (name, data, "image/png")}, timeout=30)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px viewport"


def test_hidden_controls_stay_hidden(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in or create an account")).to_be_visible()
    for name in ("Log out", "Delete account"):
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    sign_up(page, "hidden")
    expect(page.get_by_text("No images yet")).to_be_visible()
    for hidden in ("#pager", "#select-all", "#delete-selected", "#no-match"):
        expect(page.locator(hidden)).to_be_hidden()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Delete account")).to_be_hidden()


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_a_phone_screen_has_no_sideways_scroll(page: Page, server: str) -> None:
    sign_up(page, "narrow")
    long_name = "a-very-long-file-name-from-a-camera-roll-IMG_20261201_235959_HDR_edited_final.png"
    page.get_by_label("Choose files…").set_input_files(files=[
        {"name": long_name, "mimeType": "image/png", "buffer": png(10, (800, 300))},
        {"name": "rocket.jpg", "mimeType": "image/jpeg", "buffer": (PHOTOS / "rocket.jpg").read_bytes()},
        {"name": "not-an-image.png", "mimeType": "image/png", "buffer": b"text"},
    ])
    expect(page.locator("#grid li")).to_have_count(2)
    expect(page.locator("#uploads li.failed")).to_have_count(1)
    _no_sideways_scroll(page)

    # Thumbnails keep their shape: square crops shown square, never blown up past their pixels.
    thumbnails = page.locator("#grid img")
    for index in range(2):
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnails.nth(index).element_handle())
        shown = thumbnails.nth(index).evaluate("img => [img.clientWidth, img.clientHeight, img.naturalWidth]")
        assert abs(shown[0] - shown[1]) <= 1 and shown[0] <= shown[2], shown

    page.get_by_role("button", name=re.compile("rocket.jpg")).click()
    expect(page.locator("#preview[data-transformation='c_fill,w_300,h_200,g_auto']")).to_be_visible()
    _no_sideways_scroll(page)
    delete = page.get_by_role("button", name="Delete image")
    delete.scroll_into_view_if_needed()
    box = delete.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # While a control far down the builder is edited, the preview stays in sight, above it.
    opacity = page.locator("#opt-opacity")
    opacity.scroll_into_view_if_needed()
    opacity.fill("50")
    expect(page.locator("#preview[data-transformation='c_fill,w_300,h_200,g_auto/o_50']")).to_be_visible()
    preview = page.locator("#preview").bounding_box()
    control = opacity.bounding_box()
    assert preview is not None and control is not None
    assert preview["y"] >= 0 and preview["y"] + preview["height"] <= control["y"] <= PHONE["height"]
    _no_sideways_scroll(page)


def test_search_by_name_and_id(page: Page, server: str) -> None:
    sign_up(page, "seeker")
    ids = {name: _upload(server, page, name, png(i)) for i, name in
           enumerate(["beach-1.png", "Beach-2.png", "city.png"])}
    page.reload()
    expect(page.locator("#grid li")).to_have_count(3)
    search = page.get_by_label("Search")
    search.fill("beach")
    expect(page.locator("#grid li")).to_have_count(2)
    expect(page.locator("#page-info")).to_contain_text("(2 images)")
    search.fill(ids["city.png"])
    expect(page.locator("#grid li")).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("city.png"))).to_be_visible()
    search.fill("nothing like it")
    expect(page.get_by_text("No image matches this search, folder or tag.")).to_be_visible()
    expect(page.get_by_text("No images yet")).to_be_hidden()
    search.fill("")
    expect(page.locator("#grid li")).to_have_count(3)


def test_bulk_delete(page: Page, server: str) -> None:
    sign_up(page, "bulky")
    ids = [_upload(server, page, f"shot-{i}.png", png(i)) for i in range(3)]
    page.reload()
    expect(page.locator("#grid li")).to_have_count(3)
    delete = page.get_by_role("button", name=re.compile("^Delete selected"))
    expect(delete).to_be_disabled()
    page.get_by_label("Select shot-0.png").check()
    page.get_by_label("Select shot-2.png").check()
    expect(delete).to_have_text("Delete selected (2)")
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(page.locator("#grid li")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("2 of 2 deleted")
    token = page.evaluate("sessionStorage.getItem('imgorigin.token')")
    left = httpx.get(f"{server}/images", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert [image["id"] for image in left] == [ids[1]]

    page.get_by_role("button", name="Select all on this page").click()
    expect(delete).to_have_text("Delete selected (1)")
    page.once("dialog", lambda dialog: dialog.dismiss())  # cancelled: nothing goes
    delete.click()
    expect(page.locator("#grid li")).to_have_count(1)


def test_the_watermark_picker_lists_every_image(page: Page, server: str) -> None:
    sign_up(page, "prolific")
    ids = [_upload(server, page, f"n{i:03d}.png", png(i, (8, 8))) for i in range(102)]
    page.goto(f"/#image/{ids[0]}")
    expect(page.locator("#preview[data-transformation]")).to_be_visible()
    choices = page.get_by_label("Watermark image").locator("option")
    expect(choices).to_have_count(1 + 101)  # "—" and every other image, past the first page of 100
    page.get_by_label("Watermark image").select_option(ids[-1] if ids[-1] != ids[0] else ids[1])
    expect(page.locator("#preview[data-transformation*='/l_']")).to_be_visible()


def test_folders_filter_the_library(page: Page, server: str) -> None:
    sign_up(page, "folders")
    token = page.evaluate("sessionStorage.getItem('imgorigin.token')")
    for index, public_id in enumerate(["trips/paris/eiffel", "trips/rome", "home/cat"]):
        answer = httpx.post(f"{server}/images", headers={"Authorization": f"Bearer {token}"},
                            data={"public_id": public_id}, files={"file": ("x.png", png(index), "image/png")})
        assert answer.status_code == 201, answer.text
    page.reload()
    expect(page.locator("#grid li")).to_have_count(3)
    folder = page.get_by_label("Folder")
    expect(folder.locator("option")).to_have_text(
        ["All folders", "home (1)", "trips (2)", "trips/paris (1)"])
    folder.select_option("trips")
    expect(page.locator("#grid li")).to_have_count(2)
    # Chosen public ids name the images.
    expect(page.locator("#grid .thumb span").first).to_have_text(re.compile(r"^trips/(paris/eiffel|rome) · "))
    expect(page.get_by_role("img", name="trips/paris/eiffel")).to_be_visible()
    page.get_by_label("Search").fill("eiffel")
    expect(page.locator("#grid li")).to_have_count(1)
    folder.select_option("home")
    expect(page.get_by_text("No image matches this search, folder or tag.")).to_be_visible()
    page.get_by_label("Search").fill("")
    expect(page.locator("#grid li")).to_have_count(1)


def test_api_keys_are_shown_once_and_revoked(page: Page, server: str) -> None:
    sign_up(page, "keyholder")
    page.get_by_text("API keys, for Cloudinary's SDKs and Upload API").click()
    expect(page.locator("#cloud-name")).to_have_text("keyholder")
    expect(page.get_by_text("No API keys yet.")).to_be_visible()
    page.get_by_role("button", name="Create a key").click()
    secret = page.get_by_label("API secret")
    expect(secret).not_to_have_value("")
    key = page.get_by_label("API key", exact=True).input_value()
    expect(page.locator("#key-list li")).to_have_count(1)
    expect(page.locator("#key-list li code")).to_have_text(key)
    token = page.evaluate("sessionStorage.getItem('imgorigin.token')")
    listed = httpx.get(f"{server}/me/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
    assert [item["api_key"] for item in listed["items"]] == [key]

    page.get_by_text("API keys, for Cloudinary's SDKs and Upload API").click()  # closed: the secret goes
    expect(secret).to_have_value("")
    page.get_by_text("API keys, for Cloudinary's SDKs and Upload API").click()
    expect(page.locator("#new-key")).to_be_hidden()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Revoke {key}").click()
    expect(page.get_by_text("No API keys yet.")).to_be_visible()
    listed = httpx.get(f"{server}/me/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["items"] == []
