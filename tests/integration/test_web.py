"""The playground and the API reference in real headless Chromium, against a real server subprocess.

A failing test leaves a screenshot in ./test-artifacts/.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import pyvips
from playwright.sync_api import Page, expect

from tests.helpers import PHOTOS
from tests.integration import browser as chromium
from tests.integration.live_server import live_server

# The browser fixtures, taken from their module by the tests that drive a browser.
browser, page, png, sign_up = chromium.browser, chromium.page, chromium.png, chromium.sign_up

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("web-server")) as base:
        yield base



def _image(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def test_sign_up_upload_transform_copy_delete(page: Page, server: str) -> None:
    sign_up(page, "wendy")
    assert page.evaluate("sessionStorage.getItem('imgorigin.token')")

    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "rocket.jpg"))
    upload_row = page.locator("#uploads li").filter(has_text="rocket.jpg")
    expect(upload_row.locator(".upload-status")).to_have_text("Done (640\u00d7427)")
    assert upload_row.locator("progress").evaluate("bar => bar.value") == 1

    thumbnail = page.get_by_role("button", name=re.compile("rocket.jpg"))
    expect(thumbnail).to_be_visible()
    thumb_img = thumbnail.locator("img")
    expect(thumb_img).to_have_attribute("src", re.compile(r"/t/s--[A-Za-z0-9_-]{32}--/c_fill,g_auto,w_240,h_240/"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb_img.element_handle())
    assert thumb_img.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [240, 240]

    thumbnail.click()
    expect(page.get_by_role("heading", name="rocket.jpg")).to_be_visible()
    page.get_by_label("Resize mode").select_option("fill")
    page.get_by_label("Width (px)").fill("300")
    page.get_by_label("Height (px)").fill("200")
    page.get_by_label("Gravity (fill, pad, thumb)").select_option("center")
    page.get_by_label("Grayscale").check()
    page.get_by_label("Format", exact=True).select_option("png")

    expected = "c_fill,w_300,h_200,g_center/e_grayscale"
    preview = page.locator(f"#preview[data-transformation='{expected}']")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [300, 200]
    expect(page.get_by_label("Transformation", exact=True)).to_have_value(expected)

    page.get_by_role("button", name="Copy URL").click()
    expect(page.get_by_role("status")).to_have_text("URL copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.get_by_label("Signed URL").input_value()
    assert copied.startswith(server + "/t/s--") and copied.endswith(f"/{expected}/" + copied.rsplit("/", 1)[1])
    assert copied.endswith(".png")

    served = httpx.get(copied)  # no cookie, no token: the signature is all it takes
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    image = _image(served.content)
    assert (image.width, image.height) == (300, 200)
    if image.bands >= 3:  # grey pixels: every channel the same
        assert (image[0] - image[1]).abs().max() <= 1 and (image[1] - image[2]).abs().max() <= 1
    derived = page.locator("#derived-size")
    expect(derived).to_contain_text(f"{len(served.content) / 1024:.1f} KB")
    expect(page.locator("#original-size")).to_contain_text("109.9 KB (640\u00d7427 jpeg)")

    snippet = page.get_by_label(re.compile("Responsive")).input_value()
    srcset = re.search(r'srcset="([^"]+)"', snippet)
    assert srcset is not None and 'width="300" height="200"' in snippet
    entries = re.findall(r"(\S+) (\d+w)", srcset[1])
    # 960 and 1280 would upscale the 640 px original: the widest entry is the original's width.
    assert [d for _, d in entries] == ["320w", "640w"]
    widest = _image(httpx.get(entries[-1][0]).content)
    assert (widest.width, widest.height) == (640, 427)

    page.get_by_label("Format", exact=True).select_option("auto")
    expect(page.locator(f"#preview[data-transformation='{expected}/f_auto']")).to_be_visible()
    expect(derived).to_contain_text(re.compile(r"300\u00d7200 image/(avif|webp)$"))  # what Chromium accepts

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete image").click()
    expect(page.get_by_text("No images yet")).to_be_visible()
    expect(page.locator("#grid li")).to_have_count(0)
    assert httpx.get(copied).status_code == 404


def test_api_errors_are_shown(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Wrong username or password"))

    sign_up(page, "xavier")
    page.get_by_label("Choose files…").set_input_files(
        files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"plain text, not a JPEG"}]
    )
    expect(page.get_by_role("alert")).to_contain_text("notes.jpg: ")
    expect(page.locator("#uploads li.failed .upload-status")).to_contain_text("Failed: ")

    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "coffee.png"))
    page.get_by_role("button", name=re.compile("coffee.png")).click()
    page.get_by_label("Width (px)").fill("4096")
    page.get_by_label("Device pixel ratio").select_option("3.0")
    expect(page.locator("#alert-text")).to_have_text(
        "Transformation refused: Invalid w_4096 at dpr_3.0 (12288 pixels): the largest width is 8192 pixels"
    )


def test_keyboard_only(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Username").focus()
    page.keyboard.type("yvonne")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past "Log in" to "Sign up"
    page.keyboard.press("Enter")
    expect(page.locator("#whoami")).to_have_text("Signed in as yvonne")
    expect(page.locator("#library-title")).to_be_focused()

    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "chelsea.png"))
    expect(page.locator("#grid li")).to_have_count(1)
    page.locator("#library-title").focus()
    _tab_to(page, "document.activeElement.classList.contains('thumb')")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="chelsea.png")).to_be_focused()
    _tab_to(page, "document.activeElement.id === 'opt-width'")
    page.keyboard.press("Control+A")
    page.keyboard.type("120")
    expect(page.locator("#preview[data-transformation='c_fill,w_120,h_200,g_auto']")).to_be_visible()
    _tab_to(page, "document.activeElement.id === 'copy-url'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("URL copied")


def _tab_to(page: Page, condition: str, presses: int = 60) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {condition}"):
            return
    pytest.fail(f"Tab never reached: {condition}")


def test_docs_page_renders_the_openapi_document(page: Page, server: str) -> None:
    document = httpx.get(server + "/openapi.json").json()
    page.goto("/docs")
    expect(page.get_by_role("heading", name=re.compile("API reference"))).to_be_visible()
    for path, item in document["paths"].items():
        for method in item:
            if method in {"get", "post", "delete", "head", "put", "patch"}:
                heading = page.locator(f"h3:has(.method.{method})", has_text=path)
                expect(heading.first).to_be_visible()
    upload = page.locator("section.operation", has=page.locator("h3", has_text=re.compile(r"^post/images$")))
    expect(upload).to_contain_text("multipart/form-data")
    expect(upload).to_contain_text("201")
    expect(upload).to_contain_text("Needs Authorization: Bearer <token>.")
    delivery = page.locator("section.operation", has=page.locator("h3", has_text=re.compile(r"^get/t/\{path\}$")))
    expect(delivery).to_contain_text("No token needed.")

    page.get_by_label("Filter operations").fill("post images")
    shown = page.locator("section.operation:visible h3").all_inner_texts()
    assert shown and all(text.lower().startswith("post") and "/images" in text for text in shown)
    assert len(shown) < sum(len(item) for item in document["paths"].values())


def test_watermark_and_text_overlay(page: Page, server: str) -> None:
    sign_up(page, "zoe")
    page.get_by_label("Choose files…").set_input_files([str(PHOTOS / "rocket.jpg"), str(PHOTOS / "logo.png")])
    expect(page.locator("#grid li")).to_have_count(2)
    logo_id = page.get_by_role("button", name=re.compile("logo.png")).get_attribute("data-id")
    page.get_by_role("button", name=re.compile("rocket.jpg")).click()
    page.get_by_label("Watermark image").select_option(logo_id)
    page.get_by_label("Format", exact=True).select_option("png")

    expected = f"c_fill,w_300,h_200,g_auto/l_{logo_id},w_0.25,fl_relative,o_70/fl_layer_apply,g_south_east,x_16,y_16"
    preview = page.locator(f"#preview[data-transformation='{expected}']")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [300, 200]
    # The view and the builder's changes are in the address: a reload (or a shared link) rebuilds them.
    assert page.url.endswith(f"?watermark={logo_id}&format=png")
    page.reload()
    expect(page.get_by_role("heading", name="rocket.jpg")).to_be_visible()
    expect(page.locator(f"#preview[data-transformation='{expected}']")).to_be_visible()

    # The same picture without the watermark, signed through the API with the page's own token.
    token = page.evaluate("sessionStorage.getItem('imgorigin.token')")
    rocket_id = page.get_by_label("Signed URL").input_value().rsplit("/", 1)[1].split(".")[0]
    signed = httpx.post(f"{server}/sign", headers={"Authorization": f"Bearer {token}"}, json={
        "items": [{"id": rocket_id, "transformation": "c_fill,w_300,h_200,g_auto", "format": "png"}]})
    plain = _image(httpx.get(signed.json()["items"][0]["url"]).content)
    marked = _image(httpx.get(page.get_by_label("Signed URL").input_value()).content)
    difference = (marked.extract_band(0, n=3).cast("float") - plain.extract_band(0, n=3).cast("float")).abs()
    assert difference.crop(0, 0, 150, 100).max() <= 8  # far from the watermark: unchanged
    assert difference.crop(300 - 16 - 75, 200 - 16 - 40, 75, 40).avg() > 5  # the logo, bottom right

    page.get_by_label("Watermark image").select_option("")
    page.get_by_label("Text", exact=True).fill("© Zoe, 2026/11")
    with_text = "c_fill,w_300,h_200,g_auto/l_text:dejavusans_28_bold:%C2%A9%20Zoe%2C%202026%2F11,co_white/" \
                "fl_layer_apply,g_south_west,x_16,y_16"
    expect(page.locator(f"#preview[data-transformation='{with_text}']")).to_be_visible()
    captioned = _image(httpx.get(page.get_by_label("Signed URL").input_value()).content)
    text_difference = (captioned.extract_band(0, n=3).cast("float") - plain.extract_band(0, n=3).cast("float")).abs()
    assert text_difference.crop(0, 0, 150, 100).max() <= 8  # the top left is untouched
    assert text_difference.crop(16, 200 - 16 - 30, 120, 30).avg() > 5  # white text, bottom left

    page.get_by_role("button", name="Reset to defaults").click()
    expect(page.locator("#preview[data-transformation='c_fill,w_300,h_200,g_auto']")).to_be_visible()
    assert re.search(r"#image/[A-Za-z0-9_-]+$", page.url)


def test_download_the_original_then_delete_the_account(page: Page) -> None:
    sign_up(page, "quentin")
    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "rocket.jpg"))
    page.get_by_role("button", name=re.compile("rocket.jpg")).click()
    expect(page.locator("#preview[data-transformation]")).to_be_visible()
    url = page.get_by_label("Signed URL").input_value()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download original").click()
    assert download.value.suggested_filename == "rocket.jpg"
    assert Path(download.value.path()).read_bytes() == (PHOTOS / "rocket.jpg").read_bytes()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete account").click()
    expect(page.get_by_role("heading", name="Sign in or create an account")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("The account quentin and its images are deleted")
    assert page.evaluate("sessionStorage.getItem('imgorigin.token')") is None
    assert httpx.get(url).status_code == 404
    page.get_by_label("Username").fill("quentin")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#alert-text")).to_have_text("Wrong username or password")


def test_underlay_shows_through_transparency(page: Page) -> None:
    sign_up(page, "una")
    # Opaque red with a transparent hole in the middle.
    red = pyvips.Image.black(300, 200, bands=3).new_from_image([200, 0, 0])
    alpha = pyvips.Image.black(300, 200).new_from_image(255).draw_rect(0, 100, 50, 100, 100, fill=True)
    hole = bytes(red.bandjoin(alpha).cast("uchar").pngsave_buffer())
    page.get_by_label("Choose files…").set_input_files(
        files=[{"name": "hole.png", "mimeType": "image/png", "buffer": hole},
               {"name": "coffee.png", "mimeType": "image/png", "buffer": (PHOTOS / "coffee.png").read_bytes()}]
    )
    expect(page.locator("#grid li")).to_have_count(2)
    coffee_id = page.get_by_role("button", name=re.compile("coffee.png")).get_attribute("data-id")
    page.get_by_role("button", name=re.compile("hole.png")).click()
    page.get_by_label("Behind transparent parts").select_option(coffee_id)
    page.get_by_label("Format", exact=True).select_option("png")
    expected = f"c_fill,w_300,h_200,g_auto/u_{coffee_id},w_1.0,h_1.0,c_fill,fl_relative/fl_layer_apply"
    expect(page.locator(f"#preview[data-transformation='{expected}']")).to_be_visible()

    image = _image(httpx.get(page.get_by_label("Signed URL").input_value()).content)
    assert image(20, 20)[:3] == [200, 0, 0]  # the image itself, where it is opaque
    middle = image(150, 100)
    assert middle[-1] == 255 and middle[:3] != [200, 0, 0]  # the coffee, through the hole


def test_drop_many_files_then_page_through_them(page: Page) -> None:
    sign_up(page, "dropper")
    files = {f"shade-{shade:03d}.png": base64.b64encode(png(shade)).decode() for shade in range(0, 260, 20)}
    page.locator("#dropzone").evaluate(
        """(zone, files) => {
            const transfer = new DataTransfer();
            for (const [name, data] of Object.entries(files)) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, { type: "image/png" }));
            }
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        files,
    )
    expect(page.locator("#uploads li.done")).to_have_count(len(files))
    bars = page.locator("#uploads progress").evaluate_all("bars => bars.map((bar) => bar.value)")
    assert bars == [1] * len(files)

    expect(page.locator("#grid li")).to_have_count(12)
    expect(page.locator("#page-info")).to_have_text(f"Page 1 of 2 ({len(files)} images)")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    first_page = page.locator("#grid li img").evaluate_all("imgs => imgs.map((img) => img.alt)")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#grid li")).to_have_count(len(files) - 12)
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    second_page = page.locator("#grid li img").evaluate_all("imgs => imgs.map((img) => img.alt)")
    assert sorted(first_page + second_page) == sorted(files)
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("#page-info")).to_have_text(f"Page 1 of 2 ({len(files)} images)")


# Values for every builder control, in combinations the grammar accepts; each line renders once.
SAMPLES: list[dict[str, str]] = [
    {"page": "1", "crop_w": "400", "crop_h": "300", "crop_x": "10", "crop_y": "20", "mode": "pad", "width": "150",
     "height": "100", "gravity": "north", "background": "rgb:ff8800", "dpr": "2.0", "angle": "90", "flip": "hflip",
     "format": "png", "quality": "75", "progressive": "true"},
    {"aspect": "16:9", "height": "", "mode": "fill", "grayscale": "true", "negate": "true", "sepia": "50",
     "blackwhite": "40", "brightness": "20", "contrast": "20", "saturation": "-20", "gamma": "20"},
    {"trim": "10", "blur": "50", "sharpen": "100", "unsharp_mask": "100", "pixelate": "5", "vignette": "30",
     "colorize": "40", "colorize_color": "blue", "tint": "80:blue:yellow"},
    {"improve": "true", "auto_contrast": "80", "auto_color": "80", "auto_brightness": "50", "cartoonify": "50:60",
     "replace_color": "blue:60:rgb:2b38aa", "mode": "fill_pad", "width": "120", "height": "120", "background": "auto"},
    {"make_transparent": "10", "gradient_fade": "40,y_0.3", "shadow": "50,x_10,y_10", "outline": "outer:5:0",
     "blur_region": "300,x_10,y_10,w_100,h_80", "pixelate_region": "10,x_10,y_10,w_100,h_80", "blur_faces": "500",
     "pixelate_faces": "10"},
    {"radius": "20", "border": "4px_solid_black", "opacity": "80", "caption": "Hi, there", "caption_size": "20",
     "caption_color": "yellow", "caption_gravity": "north", "watermark_gravity": "north", "watermark_opacity": "50"},
]
NOT_SAMPLED = {
    "background_removal": "runs the segmentation model: tested with the effect itself",
    "watermark": "needs a second image: test_watermark_and_text_overlay",
    "watermark_blend": "acts only with a watermark: the blend modes' pixels are in tests/transform/test_overlays.py",
    "underlay": "needs a second image and transparency: test_underlay_shows_through_transparency",
}


def test_every_builder_option_makes_a_url_the_server_renders(page: Page) -> None:
    sign_up(page, "olga")
    page.get_by_label("Choose files…").set_input_files(str(PHOTOS / "rocket.jpg"))
    page.get_by_role("button", name=re.compile("rocket.jpg")).click()
    expect(page.locator("#preview[data-transformation]")).to_be_visible()
    option_ids = page.evaluate("async () => (await import('/static/js/options.js')).OPTIONS.map((o) => o.id)")
    sampled = {name for sample in SAMPLES for name in sample}
    assert sorted(set(option_ids) - sampled - set(NOT_SAMPLED)) == [], "give every new option a sample value"
    assert sampled <= set(option_ids)

    image_id = page.url.split("#image/")[1].split("?")[0]
    for sample in SAMPLES:
        # Forget the last render first, so the wait below cannot be satisfied by it.
        page.locator("#preview").evaluate("img => { delete img.dataset.transformation; }")
        page.goto(f"/#image/{image_id}?{urlencode(sample)}")
        page.wait_for_function("""() => {
            const preview = document.getElementById("preview");
            const composed = document.getElementById("transformation").value;
            // The hash is applied asynchronously: a render of the previous (default) state must not end the wait.
            return !document.getElementById("alert").hidden
                || (composed !== "c_fill,w_300,h_200,g_auto" && preview.dataset.transformation === composed
                    && /^\\d+\\u00d7\\d+$/.test(preview.nextElementSibling.textContent));
        }""")
        expect(page.get_by_role("alert")).to_be_hidden()
        composed = page.get_by_label("Transformation", exact=True).input_value()
        assert composed != "c_fill,w_300,h_200,g_auto", sample
        if "crop_w" in sample:  # pad to 150x100 at dpr 2, then a quarter turn
            assert composed.startswith("pg_1/c_crop,w_400,h_300,x_10,y_20/c_pad,w_150,h_100,g_north,b_rgb:ff8800,dpr_2.0/")
            assert page.locator("#preview").evaluate("img => [img.naturalWidth, img.naturalHeight]") == [200, 300]
