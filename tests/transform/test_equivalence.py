"""Each speed-up renders the same dimensions and visually the same image as the path it replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.transform.decode import load_scaled
from imgorigin.transform.jpegshrink import load_block_shrunk
from imgorigin.transform.limits import Limits
from imgorigin.transform.pipeline import build
from imgorigin.transform.plan import parse
from imgorigin.transform.pngreduce import reduce
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, read_header
from imgorigin.transform.values import OutputFormat
from tests.imaging import decode, mean_abs_diff, photo_mosaic, ssim

# JPEG 1/8 shrink-on-load against libvips' thumbnail (which decodes at 1/4 for these sizes)
MIN_SSIM = 0.99
MAX_MEAN_ABS_DIFF = 2.0


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "mosaic.jpg"
    path.write_bytes(photo_mosaic(4000, 3000))
    return path


@pytest.fixture(scope="module")
def rotated_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rotated") / "mosaic6.jpg"
    path.write_bytes(photo_mosaic(4000, 3000, orientation=6))
    return path


def thumbnail(path: Path, width: int, height: int) -> pyvips.Image:
    """The path before the optimisation: libvips' own shrink-on-load choice."""
    return pyvips.Image.thumbnail(str(path), width, height=height, size="force")


@pytest.mark.parametrize(("width", "height"), [(300, 225), (250, 188), (333, 250), (150, 113), (320, 200)])
def test_block_shrink_matches_thumbnail(big_jpeg: Path, width: int, height: int) -> None:
    shrunk = load_block_shrunk(Blob(path=big_jpeg), width, height, no_rotate=False)
    assert shrunk is not None, "factor >= 12: the 1/8 path applies"
    shrunk = shrunk.copy_memory()  # sequential: the comparisons below read it more than once
    before = thumbnail(big_jpeg, width, height).copy_memory()
    assert (shrunk.width, shrunk.height) == (before.width, before.height) == (width, height)
    assert ssim(shrunk, before) >= MIN_SSIM
    assert mean_abs_diff(shrunk, before) <= MAX_MEAN_ABS_DIFF


@pytest.mark.parametrize(("width", "height"), [(400, 300), (1024, 768), (3000, 2250)])
def test_block_shrink_leaves_small_factors_to_thumbnail(big_jpeg: Path, width: int, height: int) -> None:
    assert load_block_shrunk(Blob(path=big_jpeg), width, height, no_rotate=False) is None


def test_block_shrink_is_upright_and_respects_no_rotate(rotated_jpeg: Path) -> None:
    blob = Blob(path=rotated_jpeg)
    upright = load_block_shrunk(blob, 225, 300, no_rotate=False)
    assert upright is not None
    upright = upright.copy_memory()
    before = thumbnail(rotated_jpeg, 225, 300).copy_memory()
    assert (upright.width, upright.height) == (225, 300)
    assert ssim(upright, before) >= MIN_SSIM
    raw = load_block_shrunk(blob, 300, 225, no_rotate=True)
    assert raw is not None and (raw.width, raw.height) == (300, 225)


def test_block_shrink_ignores_other_formats(tmp_path: Path) -> None:
    png = tmp_path / "big.png"
    pyvips.Image.black(4000, 3000).write_to_file(str(png))
    assert load_block_shrunk(Blob(path=png), 300, 225, no_rotate=False) is None


def test_load_scaled_takes_the_block_shrink_from_memory_too(big_jpeg: Path) -> None:
    from_file = load_scaled(Blob(path=big_jpeg), 300, 225, no_rotate=False).copy_memory()
    from_bytes = load_scaled(Blob(data=big_jpeg.read_bytes()), 300, 225, no_rotate=False).copy_memory()
    assert (from_bytes.width, from_bytes.height) == (300, 225)
    assert mean_abs_diff(from_file, from_bytes) == 0


def _png(blob: Blob, transformation: str) -> bytes:
    header = read_header(blob, SourceLimits())
    return render(blob, header, parse(transformation), OutputFormat.PNG, Limits()).data


def test_grey_png_is_written_as_grey_with_the_same_pixels(tmp_path: Path) -> None:
    source = tmp_path / "cutout.png"
    source.write_bytes(photo_mosaic(1200, 800, alpha=True))
    blob = Blob(path=source)
    reduced = decode(_png(blob, "c_crop,w_600,h_400/e_grayscale"))
    assert (reduced.width, reduced.height, reduced.bands, reduced.interpretation) == (600, 400, 2, "b-w")
    # the same render without the reduction, as it was: RGB + alpha with R = G = B
    header = read_header(blob, SourceLimits())
    before = build(blob, header, parse("c_crop,w_600,h_400/e_grayscale"), OutputFormat.PNG, Limits())
    before_png = bytes(before.write_to_buffer(".png", compression=5, filter="all"))
    expanded = reduced.colourspace("srgb")
    assert expanded.bands == decode(before_png).bands == 4
    assert mean_abs_diff(expanded, decode(before_png)) == 0  # lossless: identical pixels
    assert len(_png(blob, "c_crop,w_600,h_400/e_grayscale")) < 0.85 * len(before_png)


def test_colour_png_is_left_alone(tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    source.write_bytes(photo_mosaic(800, 600))
    out = decode(_png(Blob(path=source), "w_200"))
    assert (out.bands, out.interpretation) == (3, "srgb")


def test_reduce_keeps_non_grey_and_keeps_alpha() -> None:
    colour = pyvips.Image.black(8, 8, bands=3).add([10, 20, 30]).cast("uchar").copy(interpretation="srgb")
    assert reduce(colour.copy_memory()).bands == 3
    grey_alpha = pyvips.Image.black(8, 8, bands=4).add([40, 40, 40, 255]).cast("uchar").copy(interpretation="srgb")
    out = reduce(grey_alpha.copy_memory())
    assert out.bands == 2 and out.interpretation == "b-w"
    assert out.getpoint(3, 3) == [40.0, 255.0]


def test_avif_at_effort_1_matches_effort_2(big_jpeg: Path) -> None:
    """The AVIF default moved from effort 2 to 1 (imgproxy's default speed 8): same size, the same
    closeness to the encoded pixels within 0.005 SSIM, at most 6% more bytes (1% on the bench photo)."""
    blob = Blob(path=big_jpeg)
    header = read_header(blob, SourceLimits())
    plan = parse("w_1024")
    pipeline = build(blob, header, plan, OutputFormat.AVIF, Limits()).copy_memory()
    before = bytes(pipeline.write_to_buffer(".avif", Q=55, effort=2, compression="av1", keep="none"))
    after = render(blob, header, plan, OutputFormat.AVIF, Limits()).data
    a, b = decode(after).copy_memory(), decode(before).copy_memory()
    assert (a.width, a.height) == (b.width, b.height) == (1024, 768)
    # two lossy encodes of a grainy photo differ from each other more than from their source: the
    # bound is on how close each is to the pixels it encoded
    assert ssim(a, pipeline) >= ssim(b, pipeline) - 0.005
    assert len(after) <= 1.06 * len(before)
