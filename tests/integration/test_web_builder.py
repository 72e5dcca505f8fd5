"""The transformation builder in real Chromium: controls per resize mode, no stale URL while invalid,
pasting a transformation, srcset widths, the error banner, and background removal in both states."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips
from playwright.sync_api import Page, expect

from tests.helpers import PHOTOS
from tests.integration import browser as chromium
from tests.integration.servers import Origin

# The browser fixtures, taken from their module by the tests that drive a browser.
browser, page, sign_up = chromium.browser, chromium.page, chromium.sign_up

pytestmark = pytest.mark.integration

MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
PLACING = {"fill", "lfill", "pad", "lpad", "thumb"}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origin]:
    """A server without the background-removal model: the control must say so."""
    directory = tmp_path_factory.mktemp("builder")
    server = Origin(directory, {"IMGORIGIN_MODEL_DIR": str(directory / "no-models"), "IMGORIGIN_LOGIN_RATE": "1000"})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(origin: Origin) -> str:
    return origin.base


def _open_rocket(page: Page, username: str) -> None:
    sign_up(page, username)
    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "rocket.jpg"))
    page.get_by_role("button", name=re.compile("rocket.jpg")).click()
    expect(page.locator("#preview[data-transformation='c_fill,w_300,h_200,g_auto']")).to_be_visible()


def _rendered(page: Page, transformation: str) -> None:
    expect(page.locator(f"#preview[data-transformation='{transformation}']")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()


def test_each_resize_mode_offers_only_what_it_accepts(page: Page) -> None:
    _open_rocket(page, "moder")
    gravity, padding = page.get_by_label("Gravity (fill, pad, thumb)"), page.get_by_label("Padding colour")
    for mode in ("scale", "fit", "limit", "mfit", "fill", "lfill", "pad", "lpad", "thumb"):
        page.get_by_label("Resize mode").select_option(mode)
        expected = f"c_{mode},w_300,h_200" + (",g_auto" if mode in PLACING else "")
        _rendered(page, expected)  # every mode renders out of the box: 4 of 9 used to fail
        assert gravity.is_visible() == (mode in PLACING), mode
        assert padding.is_visible() == (mode in {"pad", "lpad"}), mode
    # A control put away keeps its value for when its mode comes back.
    page.get_by_label("Resize mode").select_option("fill")
    gravity.select_option("north")
    _rendered(page, "c_fill,w_300,h_200,g_north")
    page.get_by_label("Resize mode").select_option("fit")
    _rendered(page, "c_fit,w_300,h_200")
    page.get_by_label("Resize mode").select_option("fill")
    _rendered(page, "c_fill,w_300,h_200,g_north")
    # No size at all: no crop mode, no dpr.
    page.get_by_label("Width (px)").fill("")
    page.get_by_label("Height (px)").fill("")
    expect(page.get_by_label("Resize mode")).to_be_hidden()
    expect(page.get_by_label("Device pixel ratio")).to_be_hidden()
    _rendered(page, "")


def test_an_invalid_builder_leaves_nothing_to_copy(page: Page) -> None:
    _open_rocket(page, "copier")
    url = page.get_by_label("Signed URL")
    expect(url).to_have_value(re.compile(r"/t/s--"))
    page.get_by_label("Width (px)").fill("4096")
    page.get_by_label("Device pixel ratio").select_option("3.0")
    expect(page.locator("#alert-text")).to_have_text(
        "Transformation refused: Invalid w_4096 at dpr_3.0 (12288 pixels): the largest width is 8192 pixels"
    )
    expect(url).to_have_value("")
    expect(page.get_by_label(re.compile("Responsive"))).to_have_value("")
    expect(page.get_by_role("button", name="Copy URL")).to_be_disabled()
    expect(page.get_by_role("button", name="Copy snippet")).to_be_disabled()
    expect(page.get_by_label("Transformation", exact=True)).to_have_value("c_fill,w_4096,h_200,g_auto,dpr_3.0")

    page.keyboard.press("Escape")  # the banner goes; the builder stays as it was
    expect(page.get_by_role("alert")).to_be_hidden()

    page.get_by_label("Device pixel ratio").select_option("1.5")
    _rendered(page, "c_fill,w_4096,h_200,g_auto,dpr_1.5")
    expect(page.get_by_role("button", name="Copy URL")).to_be_enabled()
    image = pyvips.Image.new_from_buffer(httpx.get(url.input_value()).content, "")
    assert (image.width, image.height) == (6144, 300)


def test_pasting_a_transformation_fills_the_builder(page: Page) -> None:
    _open_rocket(page, "paster")
    paste = page.get_by_label("Paste a transformation")
    paste.fill("c_fill,g_north,w_200,h_100/e_sepia:50/r_20")
    page.get_by_role("button", name="Apply").click()
    _rendered(page, "c_fill,w_200,h_100,g_north/e_sepia:50/r_20")
    expect(page.get_by_label("Gravity (fill, pad, thumb)")).to_have_value("north")
    expect(page.locator("#opt-sepia")).to_have_value("50")
    expect(page.get_by_label("Corner radius (px or max)")).to_have_value("20")

    # A whole delivery URL works too: the signature, version and file name are left out.
    image_id = page.url.split("#image/")[1].split("?")[0]
    paste.fill(f"https://cdn.example.com/t/s--AbCdEfGhIjKlMnOpQrStUvWxYz012345--/c_pad,w_120,h_120,b_blue/"
               f"e_grayscale/v7/{image_id}.webp")
    page.get_by_role("button", name="Apply").click()
    _rendered(page, "c_pad,w_120,h_120,b_blue/e_grayscale")
    expect(page.locator("#opt-sepia")).to_have_value("")

    # What the builder cannot show is refused whole, naming the token, and changes nothing.
    for text, token in (("w_100/e_cartoonify", "e_cartoonify"), ("c_fill,w_100,h_50,z_2", "z_2")):
        paste.fill(text)
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("#alert-text")).to_have_text(
            f"The builder has no control for {token}: edit the URL by hand instead")
        expect(page.get_by_label("Transformation", exact=True)).to_have_value(
            "c_pad,w_120,h_120,b_blue/e_grayscale")


def test_srcset_widths_are_chosen_and_capped_at_the_original(page: Page) -> None:
    _open_rocket(page, "srcsetter")
    widths = page.get_by_label(re.compile("srcset widths"))
    widths.fill("200, 500, 2000")
    snippet = page.get_by_label(re.compile("Responsive"))
    expect(snippet).to_have_value(re.compile(r" 200w,.* 640w\"", re.DOTALL))
    entries = re.findall(r"(\S+) (\d+)w", re.search(r'srcset="([^"]+)"', snippet.input_value())[1])  # type: ignore[index]
    assert [int(w) for _, w in entries] == [200, 500, 640]  # 2000 from a 640 px photo would only upscale
    for link, width in entries:
        image = pyvips.Image.new_from_buffer(httpx.get(link).content, "")
        assert (image.width, image.height) == (int(width), round(int(width) * 200 / 300))
    widths.fill("320, lots")
    expect(page.locator("#alert-text")).to_have_text(
        "srcset widths: up to 8 whole numbers of pixels between 1 and 8192, e.g. 320, 640, 1280")
    expect(snippet).to_have_value("")


def test_every_upload_error_stays_in_the_banner(page: Page) -> None:
    sign_up(page, "uploader")
    page.get_by_label("Choose files…").set_input_files(files=[
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"plain text"},
        {"name": "rocket.jpg", "mimeType": "image/jpeg", "buffer": (PHOTOS / "rocket.jpg").read_bytes()},
        {"name": "empty.png", "mimeType": "image/png", "buffer": b""},
    ])
    expect(page.locator("#uploads li.done")).to_have_count(1)
    expect(page.locator("#uploads li.failed")).to_have_count(2)
    alert = page.locator("#alert-text")
    expect(alert).to_contain_text("2 uploads failed:")
    expect(alert).to_contain_text("notes.jpg: ")
    expect(alert).to_contain_text("empty.png: ")
    page.keyboard.press("Escape")
    expect(page.get_by_role("alert")).to_be_hidden()


def test_background_removal_is_disabled_with_the_reason_without_the_model(page: Page, origin: Origin) -> None:
    reason = "Background removal needs its model, which is not installed: run `imgorigin models install`"
    assert httpx.get(origin.base + "/capabilities").json()["background_removal"]["reason"] == reason
    _open_rocket(page, "nomodel")
    control = page.get_by_label("Remove the background")
    expect(control).to_be_disabled()
    expect(control).to_have_accessible_description(reason)
    expect(page.locator("#reason-background_removal")).to_be_visible()
    # A shared link asking for it does not turn it on.
    page.goto(page.url + "&background_removal=true" if "?" in page.url else page.url + "?background_removal=true")
    _rendered(page, "c_fill,w_300,h_200,g_auto")
    expect(control).not_to_be_checked()


def test_background_removal_works_when_the_model_is_there(page: Page, tmp_path: Path) -> None:
    equipped = Origin(tmp_path, {"IMGORIGIN_MODEL_DIR": str(MODEL_DIR), "IMGORIGIN_BG_REMOVAL_WARM": "1"})
    equipped.start()
    try:
        # Warmed at start-up: ready before anybody asked for a removal.
        assert _wait_ready(equipped) == {"available": True, "reason": None, "ready": True}
        sign_up(page, "withmodel", at=equipped.base + "/")
        page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "chelsea.png"))
        page.get_by_role("button", name=re.compile("chelsea.png")).click()
        control = page.get_by_label("Remove the background")
        expect(control).to_be_enabled()
        expect(page.locator("#reason-background_removal")).to_have_count(0)
        control.check()
        page.get_by_label("Format", exact=True).select_option("png")
        _rendered(page, "c_fill,w_300,h_200,g_auto/e_background_removal")
        cutout = pyvips.Image.new_from_buffer(httpx.get(page.get_by_label("Signed URL").input_value()).content, "")
        assert cutout.bands == 4 and cutout[3].crop(0, 0, 20, 20).avg() < 10  # the corner is transparent
    finally:
        equipped.stop()


def _wait_ready(server: Origin) -> dict[str, object]:
    import time

    deadline = time.monotonic() + 120
    while True:
        state: dict[str, object] = httpx.get(server.base + "/capabilities").json()["background_removal"]
        if state["ready"] or time.monotonic() > deadline:
            return state
        time.sleep(0.5)
