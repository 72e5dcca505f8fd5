"""Animated GIF and WebP: every frame goes through every step; pg_ picks one; still formats get frame 1."""

from __future__ import annotations

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat

configure_libvips()

RED, GREEN, BLUE = [255, 0, 0], [0, 255, 0], [0, 0, 255]


def animation(colours: list[list[int]], width: int = 60, height: int = 40, fmt: str = ".gif") -> Blob:
    """A frame per colour, with a white square in the top-left corner of each to follow geometry."""
    frames = []
    for colour in colours:
        frame = (pyvips.Image.black(width, height) + colour).cast("uchar").copy(interpretation="srgb")
        frames.append(frame.draw_rect([255, 255, 255], 0, 0, 10, 10, fill=True))
    strip = pyvips.Image.arrayjoin(frames, across=1).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", height)
    strip.set_type(pyvips.GValue.array_int_type, "delay", [80] * len(colours))
    strip.set_type(pyvips.GValue.gint_type, "loop", 0)
    return Blob(data=strip.write_to_buffer(fmt))


def run(blob: Blob, text: str, fmt: OutputFormat, limits: Limits | None = None) -> pyvips.Image:
    rendered = render(blob, read_header(blob, SourceLimits()), parse(text), fmt, limits or Limits())
    options = {"n": -1} if fmt.supports_animation else {}
    return pyvips.Image.new_from_buffer(rendered.data, "", **options)


def frames_of(image: pyvips.Image) -> tuple[int, int]:
    pages = int(image.get("n-pages")) if image.get_typeof("n-pages") else 1
    return pages, image.height // pages


def colour_at(image: pyvips.Image, x: int, y: int) -> list[int]:
    return [round(v) for v in image(x, y)[:3]]


def close(actual: list[int], expected: list[int], tolerance: int = 6) -> bool:
    return max(abs(a - e) for a, e in zip(actual, expected, strict=True)) <= tolerance


@pytest.fixture
def rgb_gif() -> Blob:
    return animation([RED, GREEN, BLUE])


@pytest.mark.parametrize("fmt", [OutputFormat.GIF, OutputFormat.WEBP])
def test_animation_keeps_its_frames_through_fill(rgb_gif: Blob, fmt: OutputFormat) -> None:
    image = run(rgb_gif, "c_fill,w_30,h_30", fmt)
    assert (image.width, *frames_of(image)) == (30, 3, 30)
    for index, colour in enumerate([RED, GREEN, BLUE]):
        assert close(colour_at(image, 25, index * 30 + 25), colour)


def test_smart_crop_uses_one_box_for_every_frame(rgb_gif: Blob) -> None:
    image = run(rgb_gif, "c_fill,g_auto,w_20,h_40", OutputFormat.GIF)
    assert (image.width, *frames_of(image)) == (20, 3, 40)
    corners = [colour_at(image, 0, index * 40) for index in range(3)]
    assert corners[0] == corners[1] == corners[2]


def test_crops_rotations_and_effects_apply_per_frame(rgb_gif: Blob) -> None:
    image = run(rgb_gif, "c_crop,w_20,h_20,x_5,y_5/a_90/e_grayscale", OutputFormat.GIF)
    assert (image.width, *frames_of(image)) == (20, 3, 20)
    for index in range(3):
        # The white square (x, y < 10) is now 5x5 at the top right of each frame after a_90.
        top = index * 20
        assert colour_at(image, 17, top + 2) == [255, 255, 255]
        grey = colour_at(image, 5, top + 15)
        assert grey[0] == grey[1] == grey[2] and grey[0] < 250


def test_overlay_is_stamped_on_every_frame(rgb_gif: Blob) -> None:
    image = run(rgb_gif, "l_text:arial_12_bold:Hi,co_white/fl_layer_apply,g_south_east", OutputFormat.GIF)
    assert frames_of(image) == (3, 40)
    stamped = [image.crop(40, index * 40 + 25, 20, 15).max() for index in range(3)]
    assert all(colour_at(image, 45, index * 40 + 5) != [255, 255, 255] for index in range(3))
    assert stamped == [255.0, 255.0, 255.0]


def test_page_picks_one_frame(rgb_gif: Blob) -> None:
    image = run(rgb_gif, "pg_2", OutputFormat.GIF)
    assert (image.width, *frames_of(image)) == (60, 1, 40)
    assert close(colour_at(image, 30, 30), GREEN)


def test_page_with_a_resize_loads_only_that_frame(rgb_gif: Blob) -> None:
    image = run(rgb_gif, "pg_3/c_scale,w_30", OutputFormat.PNG)
    assert (image.width, image.height) == (30, 20)
    assert close(colour_at(image, 20, 15), BLUE)


@pytest.mark.parametrize("fmt", [OutputFormat.JPEG, OutputFormat.PNG, OutputFormat.AVIF])
def test_still_formats_get_the_first_frame(rgb_gif: Blob, fmt: OutputFormat) -> None:
    image = run(rgb_gif, "c_fill,w_30,h_30", fmt)
    assert (image.width, image.height) == (30, 30)
    assert close(colour_at(image, 25, 25), RED, tolerance=20)


def test_animated_webp_source_stays_animated() -> None:
    blob = animation([RED, GREEN], fmt=".webp")
    image = run(blob, "c_scale,w_30", OutputFormat.WEBP)
    assert (image.width, *frames_of(image)) == (30, 2, 20)
    assert close(colour_at(image, 20, 30), GREEN)


def test_page_past_the_last_frame_is_refused(rgb_gif: Blob) -> None:
    with pytest.raises(InvalidTransformation, match=r"^Invalid pg_4: the image has 3 frame\(s\)$"):
        run(rgb_gif, "pg_4", OutputFormat.GIF)


def test_animation_output_budget(rgb_gif: Blob) -> None:
    with pytest.raises(InvalidTransformation, match="The animation would be 3 frames of 600x400; the budget is 0"):
        run(rgb_gif, "c_scale,w_600", OutputFormat.GIF, Limits(max_animation_pixels=500_000))


def test_frames_cut_to_different_sizes_are_a_clear_400() -> None:
    frames = []
    for index in range(3):
        frame = pyvips.Image.black(60, 40).new_from_image([255, 255, 255]).copy(interpretation="srgb")
        frames.append(frame.draw_rect([255, 0, 0], 5, 5, 10 + index * 5, 20, fill=True))
    strip = pyvips.Image.arrayjoin(frames, across=1).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", 40)
    blob = Blob(data=strip.write_to_buffer(".gif"))
    with pytest.raises(InvalidTransformation, match=r"different sizes .* pick one frame with pg_$"):
        run(blob, "e_trim", OutputFormat.GIF)
    assert run(blob, "pg_3/e_trim", OutputFormat.GIF).width == 20


@pytest.mark.parametrize(("text", "frames", "colours"), [
    ("pg_2-3", 2, [GREEN, BLUE]),
    ("pg_1-2/c_scale,w_30", 2, [RED, GREEN]),
    ("pg_2-", 2, [GREEN, BLUE]),
    ("pg_3-", 1, [BLUE]),
])
def test_page_ranges_keep_those_frames(rgb_gif: Blob, text: str, frames: int, colours: list[list[int]]) -> None:
    image = run(rgb_gif, text, OutputFormat.GIF)
    pages, height = frames_of(image)
    assert pages == frames
    for index, colour in enumerate(colours):
        assert close(colour_at(image, image.width - 5, index * height + height - 5), colour)


def test_page_range_canonical_forms() -> None:
    assert parse("pg_2-2").canonical() == "pg_2"
    assert parse("pg_2-5").canonical() == "pg_2-5"
    assert parse("pg_3-").canonical() == "pg_3-"
    for bad in ("pg_0", "pg_3-2", "pg_-2", "pg_a"):
        with pytest.raises(InvalidTransformation, match=r"expected a frame number from 1, or frames such as 2-5"):
            parse(bad)


def test_page_range_past_the_end_is_refused(rgb_gif: Blob) -> None:
    with pytest.raises(InvalidTransformation, match=r"^Invalid pg_2-5: the image has 3 frame\(s\)$"):
        run(rgb_gif, "pg_2-5", OutputFormat.GIF)
