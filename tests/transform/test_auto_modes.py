"""c_auto, c_fill_pad and b_auto: where the crop lands, when padding wins, which colour pads."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.transform.geometry import plan_resize
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, read_header
from imgorigin.transform.values import OutputFormat
from tests.helpers import PHOTOS
from tests.imaging import as_rgb
from tests.transform.parsing import assert_canonical, assert_refused
from tests.transform.test_effects import flat, run, source


def test_c_auto_crops_to_the_interesting_part(tmp_path: Path) -> None:
    # A flat grey field with a busy photo patch on the right: the crop must go there.
    field = flat([128, 128, 128], 600, 200)
    patch = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).crop(100, 50, 180, 180)
    blob = source(tmp_path, field.insert(patch, 400, 10))
    out = run(blob, "c_auto,w_200,h_200")
    assert (out.width, out.height) == (200, 200)
    assert out.crop(0, 0, 200, 200).deviate() > 20  # the patch, not the flat field
    centre = run(blob, "c_fill,w_200,h_200")
    assert centre.deviate() < 1
    west = run(blob, "c_auto,w_200,h_200,g_west")  # an explicit gravity is obeyed
    assert west.deviate() < 1


def test_c_fill_pad_fills_small_crops_and_pads_big_ones(tmp_path: Path) -> None:
    photo = Blob(path=PHOTOS / "chelsea.png")  # 451x300
    slight = run(photo, "c_fill_pad,w_400,h_300,b_black")  # crops 11%: fills
    assert (slight.width, slight.height) == (400, 300)
    assert slight(0, 150) != [0.0, 0.0, 0.0]
    square = run(photo, "c_fill_pad,w_300,h_300,b_black")  # would crop 33%: pads
    assert (square.width, square.height) == (300, 300)
    assert square(150, 5) == [0.0, 0.0, 0.0] and square(150, 150) != [0.0, 0.0, 0.0]
    assert plan_resize((451, 300), parse("c_fill_pad,w_300,h_300").components[0]).pad is not None  # type: ignore[union-attr]
    assert plan_resize((451, 300), parse("c_fill_pad,w_400,h_300").components[0]).smart  # type: ignore[union-attr]


def framed(tmp_path: Path) -> Blob:
    """Mostly a blue square, inside a wide dark-red frame."""
    canvas = flat([120, 10, 10], 200, 200).insert(flat([30, 60, 200], 160, 160), 20, 20)
    return source(tmp_path, canvas, "framed.png")


@pytest.mark.parametrize(
    ("background", "colour"),
    [
        ("b_auto", [120, 10, 10]),
        ("b_auto:border", [120, 10, 10]),
        ("b_auto:predominant", [30, 60, 200]),
        ("b_auto:border_contrast", [255, 255, 255]),
        ("b_auto:predominant_contrast", [255, 255, 255]),
    ],
)
def test_b_auto_pads_with_a_colour_of_the_image(tmp_path: Path, background: str, colour: list[int]) -> None:
    out = run(framed(tmp_path), f"c_pad,w_400,h_200,{background}")
    assert (out.width, out.height) == (400, 200)
    assert all(abs(got - want) <= 3 for got, want in zip(out(10, 100), colour, strict=True))
    assert out(200, 100)[2] > 180  # the image itself in the middle


def test_b_auto_is_measured_on_a_level_that_serves_without_fetching_the_original(tmp_path: Path) -> None:
    level = framed(tmp_path)
    header = read_header(level, SourceLimits())
    asked: list[tuple[int, int]] = []

    def pick(size: tuple[int, int]) -> Blob:
        asked.append(size)
        return level

    def fetch() -> Blob:
        raise AssertionError("the original was fetched")

    rendered = render(fetch, header, parse("c_pad,w_400,h_200,b_auto"), OutputFormat.PNG, Limits(), levels=pick)
    out = as_rgb(pyvips.Image.new_from_buffer(rendered.data, ""))
    assert asked[0] == (128, 128)  # the sample's size: at most 128 pixels a side
    assert all(abs(got - want) <= 3 for got, want in zip(out(10, 100), [120, 10, 10], strict=True))


def test_b_auto_border_contrast_is_black_on_a_light_border(tmp_path: Path) -> None:
    out = run(source(tmp_path, flat([240, 240, 200], 100, 100)), "c_pad,w_200,h_100,b_auto:border_contrast")
    assert out(5, 50) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("b_auto:palette", "Invalid b_auto:palette: expected auto[:border|predominant|border_contrast|predominant_contrast] or a colour name (blue) or rgb:RRGGBB[AA] for background"),
        ("b_nope", "Invalid b_nope: expected a colour name (blue), rgb:RRGGBB[AA] or auto[:<mode>] for background"),
        ("c_fill_pad,w_100,h_100,g_north", "c_fill_pad chooses with g_auto: other gravities do not apply (c_fill_pad,w_100,h_100,g_north)"),
        ("c_fillpad,w_100", "Invalid c_fillpad: expected a crop mode: one of scale, fit, limit, mfit, fill, lfill, pad, lpad, crop, thumb, auto, fill_pad for crop mode"),
        ("l_logo,b_auto,w_100", "b_auto measures the image itself; it cannot stand inside an overlay (l_logo,b_auto,w_100)"),
    ],
)
def test_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("c_pad,w_10,b_auto", "b_auto:border,c_pad,w_10"), ("c_auto,w_10,h_10", "c_auto,h_10,w_10"),
     ("c_fill_pad,g_auto,w_10,h_10", "c_fill_pad,g_auto,h_10,w_10")],
)
def test_canonical_forms(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)
