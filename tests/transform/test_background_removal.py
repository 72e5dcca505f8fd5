"""e_background_removal with the real U-2-Net small model, its bounds, and its 503 without the model."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.client.urls import signed_path
from imgorigin.errors import InvalidTransformation, Unavailable
from imgorigin.transform.cutout import MODEL_FILE, BackgroundRemover, is_installed
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat
from tests.helpers import IN_CI, PHOTOS, TEST_URL_SECRET, AppClient, make_settings, register

configure_libvips()

MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
CAT = Blob(path=PHOTOS / "chelsea.png")


@pytest.fixture(scope="module")
def remover() -> BackgroundRemover:
    """One remover (one model session) for the module, as one worker process would hold."""
    if not is_installed(MODEL_DIR):
        if IN_CI:
            pytest.fail(f"{MODEL_DIR / MODEL_FILE} is required in CI (imgorigin models install)")
        pytest.skip("the background-removal model is not installed")
    return BackgroundRemover(MODEL_DIR)


def run(text: str, fmt: OutputFormat, remover: BackgroundRemover | None, blob: Blob = CAT) -> pyvips.Image:
    header = read_header(blob, SourceLimits())
    rendered = render(blob, header, parse(text), fmt, Limits(), background_remover=remover)
    return pyvips.Image.new_from_buffer(rendered.data, "")


def patch_mean(band: pyvips.Image, left: int, top: int, size: int = 20) -> float:
    return float(band.crop(left, top, size, size).avg())


def test_the_cat_stays_and_the_background_goes(remover: BackgroundRemover) -> None:
    out = run("e_background_removal", OutputFormat.PNG, remover)
    assert (out.width, out.height, out.bands) == (451, 300, 4)
    alpha = out[3]
    # The background shows in the top corners and the bottom right (fur fills the bottom left).
    for left, top in ((0, 0), (431, 0), (431, 280)):
        assert patch_mean(alpha, left, top) < 10, (left, top)
    assert patch_mean(alpha, 215, 140) > 245  # the cat's face
    # Colour is untouched where the cat is.
    original = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png"))
    assert out(225, 150)[:3] == original(225, 150)


def test_in_jpeg_the_background_becomes_white_or_b(remover: BackgroundRemover) -> None:
    out = run("e_background_removal", OutputFormat.JPEG, remover)
    assert out.bands == 3
    assert all(patch_mean(out[band], 0, 0) > 245 for band in range(3))
    blue = run("b_blue,e_background_removal", OutputFormat.JPEG, remover)
    assert patch_mean(blue[2], 431, 0) > 240 and patch_mean(blue[0], 431, 0) < 15


def test_after_a_resize_the_mask_matches_the_new_size(remover: BackgroundRemover) -> None:
    out = run("w_200/e_background_removal", OutputFormat.WEBP, remover)
    assert (out.width, out.height, out.bands) == (200, 133, 4)
    assert patch_mean(out[3], 0, 0, 10) < 10
    assert patch_mean(out[3], 95, 62, 10) > 245


def test_the_session_is_created_once_and_reused(remover: BackgroundRemover) -> None:
    run("e_background_removal", OutputFormat.PNG, remover)
    session = remover._session
    assert session is not None
    run("c_fill,w_100,h_100/e_background_removal", OutputFormat.PNG, remover)
    assert remover._session is session


def test_runs_are_bounded_by_the_semaphore(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"not used: the slot is taken first")
    busy = BackgroundRemover(tmp_path, concurrency=1, wait_timeout=0.2)
    rgb = pyvips.Image.black(8, 8, bands=3)
    assert busy.slots.acquire(blocking=False)
    try:
        with pytest.raises(Unavailable) as raised:
            busy.mask(rgb)
        assert raised.value.message == "Background removal is busy; retry shortly"
        assert raised.value.retry_after == 5
    finally:
        busy.slots.release()


def test_without_the_model_the_effect_is_a_503_naming_the_install_command(tmp_path: Path) -> None:
    empty = BackgroundRemover(tmp_path / "no-models")
    with pytest.raises(Unavailable) as raised:
        run("e_background_removal", OutputFormat.PNG, empty)
    assert raised.value.status == 503
    assert raised.value.message == (
        "Background removal needs its model, which is not installed: run `imgorigin models install`"
    )


def test_the_url_answers_503_in_plain_text_when_no_model_is_installed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, model_dir=tmp_path / "empty-models")
    with AppClient(settings) as client:
        image_id = register(client, "carol").upload("chelsea.png")["id"]
        response = client.get(signed_path(TEST_URL_SECRET, image_id, "e_background_removal", "png"))
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/plain")
        assert "imgorigin models install" in response.text
        assert "x-cache" not in response.headers
        # Nothing was cached: once the model is there, the same URL renders.
        assert client.get(signed_path(TEST_URL_SECRET, image_id, "w_50", "png")).status_code == 200


def test_the_url_renders_a_cutout_through_the_app(tmp_path: Path, remover: BackgroundRemover) -> None:
    settings = make_settings(tmp_path, model_dir=MODEL_DIR)
    with AppClient(settings) as client:
        image_id = register(client, "dave").upload("chelsea.png")["id"]
        response = client.get(signed_path(TEST_URL_SECRET, image_id, "e_background_removal", "webp"))
        assert response.status_code == 200
        out = pyvips.Image.new_from_buffer(response.content, "")
        assert out.bands == 4
        assert patch_mean(out[3], 0, 0) < 10
        assert patch_mean(out[3], 215, 140) > 245


def test_animations_must_pick_a_frame(tmp_path: Path, remover: BackgroundRemover) -> None:
    frames = [pyvips.Image.black(30, 20).new_from_image([i * 100, 50, 50]).cast("uchar") for i in range(2)]
    strip = pyvips.Image.arrayjoin(frames, across=1).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", 20)
    path = tmp_path / "anim.gif"
    strip.write_to_file(str(path))
    with pytest.raises(InvalidTransformation) as raised:
        run("e_background_removal", OutputFormat.GIF, remover, Blob(path=path))
    assert str(raised.value) == "e_background_removal works on still images: pick one frame with pg_"


def test_parsing_imports_neither_rembg_nor_pyvips() -> None:
    code = (
        "import sys; from imgorigin.transform.plan import parse; parse('e_background_removal/w_100'); "
        "print('rembg' in sys.modules, 'pyvips' in sys.modules, 'onnxruntime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "False", "False"]


def test_concurrent_requests_share_one_session(remover: BackgroundRemover) -> None:
    results: list[int] = []

    def work() -> None:
        results.append(run("w_120/e_background_removal", OutputFormat.PNG, remover).bands)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [4, 4, 4]


def test_a_damaged_model_file_is_a_503_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"\x00" * 1024)
    damaged = BackgroundRemover(tmp_path)
    with pytest.raises(Unavailable) as raised:
        run("e_background_removal", OutputFormat.PNG, damaged)
    assert raised.value.message == (
        "The background-removal model could not be loaded: run `imgorigin models install` again"
    )
