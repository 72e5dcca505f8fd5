"""Rounded corners (r_), borders (bo_) and opacity (o_) on real pixels."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st

from imgorigin.blob import Blob
from imgorigin.transform.limits import Limits
from imgorigin.transform.params import RADIUS
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.shape import Radius
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat
from tests.transform.parsing import assert_canonical, assert_refused

configure_libvips()

GREEN = [30, 160, 60]


def run(blob: Blob, text: str, fmt: OutputFormat = OutputFormat.PNG) -> pyvips.Image:
    header = read_header(blob, SourceLimits())
    rendered = render(blob, header, parse(text), fmt, Limits())
    return pyvips.Image.new_from_buffer(rendered.data, "")


@pytest.fixture
def green(tmp_path: Path) -> Blob:
    """A 200x100 opaque green image."""
    path = tmp_path / "green.png"
    (pyvips.Image.black(200, 100) + GREEN).cast("uchar").copy(interpretation="srgb").write_to_file(str(path))
    return Blob(path=path)


def alpha(image: pyvips.Image, x: int, y: int) -> float:
    return float(image(x, y)[3])


def test_r_max_makes_an_ellipse_with_transparent_corners(green: Blob) -> None:
    out = run(green, "r_max")
    assert (out.width, out.height, out.bands) == (200, 100, 4)
    for x, y in ((0, 0), (199, 0), (0, 99), (199, 99), (20, 10)):
        assert alpha(out, x, y) == 0, (x, y)
    for x, y in ((100, 50), (100, 1), (1, 50), (198, 50)):
        assert alpha(out, x, y) == 255, (x, y)
    assert out(100, 50)[:3] == [float(v) for v in GREEN]


def test_r_max_in_jpeg_shows_white_or_the_b_colour(green: Blob) -> None:
    out = run(green, "r_max", OutputFormat.JPEG)
    assert out.bands == 3
    assert all(v >= 250 for v in out(1, 1))
    blue = run(green, "b_blue,r_max", OutputFormat.JPEG)
    red, g, b = blue(1, 1)
    assert red < 10 and g < 10 and b > 245
    assert abs(blue(100, 50)[1] - GREEN[1]) < 8


def test_r_px_rounds_every_corner(green: Blob) -> None:
    out = run(green, "r_20")
    for x, y in ((2, 2), (197, 2), (197, 97), (2, 97)):
        assert alpha(out, x, y) == 0, (x, y)
    for x, y in ((10, 10), (100, 0), (0, 50), (189, 89)):
        assert alpha(out, x, y) == 255, (x, y)


def test_r_four_values_go_clockwise_from_top_left(green: Blob) -> None:
    out = run(green, "r_0:10:20:40")
    assert alpha(out, 0, 0) == 255  # top left: square
    assert alpha(out, 198, 1) == 0 and alpha(out, 195, 4) == 255  # top right: 10
    assert alpha(out, 195, 95) == 0 and alpha(out, 190, 90) == 255  # bottom right: 20
    assert alpha(out, 8, 91) == 0 and alpha(out, 15, 85) == 255  # bottom left: 40


def test_r_two_values_pair_opposite_corners(green: Blob) -> None:
    out = run(green, "r_5:40")
    assert alpha(out, 4, 4) == 255 and alpha(out, 195, 95) == 255  # top-left and bottom-right: 5
    assert alpha(out, 192, 7) == 0 and alpha(out, 7, 92) == 0  # top-right and bottom-left: 40


def test_r_three_values(green: Blob) -> None:
    assert parse("r_5:10:40").components[0].get(RADIUS) == Radius((5, 10, 40, 10))
    out = run(green, "r_5:10:40")
    assert alpha(out, 190, 90) == 0  # bottom right: 40


def test_radius_larger_than_the_image_is_clamped(green: Blob) -> None:
    out = run(green, "r_5000")
    assert alpha(out, 100, 50) == 255
    assert alpha(out, 0, 0) == 0


def test_border_grows_the_image_and_paints_its_edge(green: Blob) -> None:
    out = run(green, "bo_6px_solid_red")
    assert (out.width, out.height) == (212, 112)
    for x, y in ((0, 0), (211, 111), (3, 50), (105, 109)):
        assert out(x, y)[:3] == [255.0, 0.0, 0.0], (x, y)
    assert out(6, 6)[:3] == [float(v) for v in GREEN]
    assert out(205, 105)[:3] == [float(v) for v in GREEN]


def test_border_follows_rounded_corners(green: Blob) -> None:
    out = run(green, "bo_5px_solid_blue,r_20")
    assert (out.width, out.height, out.bands) == (210, 110, 4)
    assert alpha(out, 0, 0) == 0  # outside the rounded border
    assert out(105, 2) == [0.0, 0.0, 255.0, 255.0]  # the border along the top edge
    assert out(9, 9) == [0.0, 0.0, 255.0, 255.0]  # the image's own corner, filled by the border
    assert out(105, 55) == [*(float(v) for v in GREEN), 255.0]


def test_border_with_a_translucent_colour(green: Blob) -> None:
    out = run(green, "bo_4px_solid_rgb:ff000080")
    assert out.bands == 4
    assert out(1, 1) == [255.0, 0.0, 0.0, 128.0]
    assert alpha(out, 50, 50) == 255


def test_opacity_scales_alpha(green: Blob) -> None:
    out = run(green, "o_40")
    assert out.bands == 4
    assert alpha(out, 10, 10) == 102  # 255 * 0.4
    assert out(10, 10)[:3] == [float(v) for v in GREEN]


def test_opacity_in_jpeg_fades_to_the_background(green: Blob) -> None:
    out = run(green, "o_50", OutputFormat.JPEG)
    red, g, b = out(50, 50)
    assert abs(red - (GREEN[0] + 255) / 2) < 5
    assert abs(g - (GREEN[1] + 255) / 2) < 5
    assert abs(b - (GREEN[2] + 255) / 2) < 5


def test_shape_steps_keep_animations_as_frames(tmp_path: Path) -> None:
    frames = [pyvips.Image.black(60, 40).new_from_image([i * 80, 0, 0]).cast("uchar") for i in range(3)]
    strip = pyvips.Image.arrayjoin(frames, across=1).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", 40)
    path = tmp_path / "anim.gif"
    strip.write_to_file(str(path))
    header = read_header(Blob(path=path), SourceLimits())
    rendered = render(Blob(path=path), header, parse("r_10,bo_2px_solid_white"), OutputFormat.GIF, Limits())
    out = pyvips.Image.new_from_buffer(rendered.data, "", n=-1)
    assert out.get("n-pages") == 3
    assert (out.width, out.get("page-height")) == (64, 44)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("r_-1", "Invalid r_-1: expected max, or 1 to 4 integers between 0 and 16383 joined by ':' for corner radius"),
        (
            "r_1:2:3:4:5",
            "Invalid r_1:2:3:4:5: expected max, or 1 to 4 integers between 0 and 16383 joined by ':' for corner radius",
        ),
        ("r_maximum", "Invalid r_maximum: expected max, or 1 to 4 integers between 0 and 16383 joined by ':' for corner radius"),
        (
            "bo_4px_dotted_red",
            "Invalid bo_4px_dotted_red: expected <width>px_solid_<colour> with a width between 1 and 1000, "
            "e.g. 4px_solid_black for border",
        ),
        (
            "bo_0px_solid_red",
            "Invalid bo_0px_solid_red: expected <width>px_solid_<colour> with a width between 1 and 1000, "
            "e.g. 4px_solid_black for border",
        ),
        (
            "bo_4px_solid_notacolour",
            "Invalid bo_4px_solid_notacolour: expected <width>px_solid_<colour> with a width between 1 and 1000, "
            "e.g. 4px_solid_black for border",
        ),
        ("o_101", "Invalid o_101: expected an integer between 0 and 100 for opacity"),
        ("o_half", "Invalid o_half: expected an integer between 0 and 100 for opacity"),
    ],
)
def test_shape_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("r_20", "r_20"),
        ("r_20:20:20:20", "r_20"),
        ("r_20:40", "r_20:40:20:40"),
        ("r_max", "r_max"),
        ("bo_3px_solid_red", "bo_3px_solid_rgb:ff0000"),
        ("o_30", "o_30"),
    ],
)
def test_shape_canonical_forms_round_trip(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)


radii = st.integers(0, 16383).map(str)
colours = st.one_of(
    st.sampled_from(["red", "black", "white", "transparent", "steelblue"]),
    st.from_regex(r"rgb:[0-9a-fA-F]{6}([0-9a-fA-F]{2})?", fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(radii, min_size=1, max_size=4).map(":".join),
    st.integers(1, 1000),
    colours,
    st.integers(0, 100),
)
def test_shape_values_round_trip(radius: str, width: int, colour: str, opacity: int) -> None:
    plan = parse(f"r_{radius},bo_{width}px_solid_{colour},o_{opacity}")
    assert parse(plan.canonical()) == plan
