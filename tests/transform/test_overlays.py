"""Overlays (l_ ... fl_layer_apply): the grammar, and where the layer's pixels land."""

from __future__ import annotations

import numpy as np
import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import ImgOriginError, InvalidTransformation, NotFound
from imgorigin.transform.layers import ImageLayer, TextLayer
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import Header, SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat

configure_libvips()

BLUE = [0, 0, 255]
RED = [255, 0, 0]


def solid(width: int, height: int, rgb: list[int]) -> Blob:
    image = (pyvips.Image.black(width, height) + rgb).cast("uchar").copy(interpretation="srgb")
    return Blob(data=image.write_to_buffer(".png"))


@pytest.fixture
def library() -> dict[str, Blob]:
    return {"base": solid(200, 100, BLUE), "red": solid(20, 10, RED)}


def run(library: dict[str, Blob], text: str, source: str = "base") -> np.ndarray:
    def open_layer(image_id: str) -> tuple[Blob, Header]:
        if image_id not in library:
            raise NotFound(f"No such overlay image: l_{image_id}", code="layer_not_found")
        return library[image_id], read_header(library[image_id], SourceLimits())

    blob = library[source]
    rendered = render(blob, read_header(blob, SourceLimits()), parse(text), OutputFormat.PNG, Limits(),
                      open_layer=open_layer)
    image = pyvips.Image.new_from_buffer(rendered.data, "")
    return np.asarray(image.numpy(), dtype=np.int16)


def box_mask(shape: tuple[int, ...], left: int, top: int, width: int, height: int) -> np.ndarray:
    mask = np.zeros(shape[:2], dtype=bool)
    mask[top:top + height, left:left + width] = True
    return mask


@pytest.mark.parametrize(("text", "box"), [
    ("l_red,g_south_east,x_10,y_5", (170, 85, 20, 10)),
    ("l_red,g_north_west,x_3,y_4", (3, 4, 20, 10)),
    ("l_red", (90, 45, 20, 10)),
    ("l_red/fl_layer_apply,g_north,y_0.1", (90, 10, 20, 10)),
    ("l_red,g_east,x_-10", (190, 45, 10, 10)),  # pushed past the edge: clipped, not moved back
    ("l_red/w_40/fl_layer_apply,g_south_west", (0, 80, 40, 20)),
    ("l_red,w_0.5,fl_relative,g_north", (50, 0, 100, 50)),
])
def test_image_overlay_lands_at_its_gravity_and_offset(library: dict[str, Blob], text: str, box: tuple) -> None:
    pixels = run(library, text)
    inside = box_mask(pixels.shape, *box)
    assert (pixels[inside] == RED).all()
    assert (pixels[~inside] == BLUE).all()


def test_overlay_opacity_blends(library: dict[str, Blob]) -> None:
    pixels = run(library, "l_red,g_north_west,o_25")
    assert np.abs(pixels[5, 5] - [64, 0, 191]).max() <= 1
    assert (pixels[50, 100] == BLUE).all()


def test_layer_components_transform_only_the_layer(library: dict[str, Blob]) -> None:
    pixels = run(library, "l_red/e_grayscale/fl_layer_apply,g_north_west/w_100")
    assert pixels.shape[:2] == (50, 100)
    grey = pixels[2, 2]
    assert grey[0] == grey[1] == grey[2] and 60 < grey[0] < 140  # red turned grey
    assert (pixels[40, 80] == BLUE).all()


def test_text_overlay_changes_pixels_where_it_is_placed_and_nowhere_else(library: dict[str, Blob]) -> None:
    plain = run(library, "c_scale,w_200")
    pixels = run(library, "l_text:arial_20_bold:Hi%2C%20there,co_white/fl_layer_apply,g_north_west,x_10,y_10")
    changed = np.any(pixels != plain, axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 100
    assert xs.min() >= 10 and ys.min() >= 10
    assert xs.max() < 10 + 120 and ys.max() < 10 + 30  # one line of 20 px text
    ink = pixels[changed]
    assert (ink[:, 0] == ink[:, 1]).all() and (ink[:, 2] >= ink[:, 0]).all()  # white over blue
    assert ink[:, 0].max() == 255


def test_text_is_drawn_not_interpreted_as_markup(library: dict[str, Blob]) -> None:
    plain = run(library, "l_text:arial_20:%3Cb%3Ex%3C%2Fb%3E%20%26,co_white")
    assert np.any(plain != BLUE)


def test_unknown_layer_is_a_clear_404(library: dict[str, Blob]) -> None:
    with pytest.raises(NotFound, match=r"^No such overlay image: l_nope$"):
        run(library, "l_nope")


def test_oversized_text_is_refused_before_layout(library: dict[str, Blob]) -> None:
    with pytest.raises(InvalidTransformation, match="The result would be"):
        run(library, "l_text:arial_1000:" + "W" * 400)


@pytest.mark.parametrize("text", [
    "l_logo,w_100,g_south_east,x_10,y_10,o_50",
    "c_fill,w_300,h_200/l_abc,w_0.2,fl_relative/e_grayscale/fl_layer_apply,g_north,y_0.1/e_sepia",
    "l_text:Times%20New%20Roman_40_bold:Hello%252C%20World%2F,co_red/fl_layer_apply",
    "l_text:arial_20_italic_bold:100%25%20sure",
])
def test_canonical_form_parses_back_to_the_same_plan(text: str) -> None:
    plan = parse(text)
    assert parse(plan.canonical()) == plan


def test_short_and_long_forms_are_one_plan() -> None:
    assert parse("l_logo,w_100,g_south_east,x_10").canonical() == "l_logo/w_100/fl_layer_apply,g_south_east,x_10"
    assert parse("l_logo,w_100,g_south_east,x_10") == parse("l_logo/w_100/fl_layer_apply,x_10,g_south_east")


def test_text_layer_decoding() -> None:
    source = parse("l_text:Times%20New%20Roman_40_bold:Hello%252C%20World%2F100%2525").components[0]
    layer = source.overlay.source if source.overlay else None
    assert layer == TextLayer("timesnewroman", 40, "Hello, World/100%", bold=True)
    image = parse("l_abc123/fl_layer_apply").components[0].overlay
    assert image is not None and image.source == ImageLayer("abc123")


@pytest.mark.parametrize(("text", "message"), [
    ("fl_layer_apply", "fl_layer_apply needs an overlay (l_) before it (fl_layer_apply)"),
    ("w_10,fl_relative", "fl_relative needs an overlay (l_) before it (w_10,fl_relative)"),
    ("l_a/l_b/l_c/fl_layer_apply/fl_layer_apply/fl_layer_apply",
     "Overlays nest 2 deep at most: close one with fl_layer_apply first (l_c)"),
    ("l_a/fl_layer_apply,w_10",
     "Parameter w_ cannot stand with fl_layer_apply: it places the overlay with g_, x_, y_ and o_ only "
     "(fl_layer_apply,w_10)"),
    ("l_a,f_png", "Parameter f_ applies to the whole image, not inside an overlay (l_a,f_png)"),
    ("l_a,g_auto", "g_auto cannot place an overlay: use a compass point (l_a,g_auto)"),
    ("l_a-b", "Invalid l_a-b: expected an image id (letters and digits) or text:<font>_<size>:<text> for overlay"),
    ("l_text:arial_20", "Invalid l_text:arial_20: expected text:<font>_<size>[_bold][_italic]:<text>, "
                        "e.g. text:arial_40:Hello for overlay"),
    ("l_text:arial_0:x", "Invalid l_text:arial_0:x: expected an integer between 1 and 1000 for overlay"),
    ("l_text:arial_20_wavy:x", "Invalid l_text:arial_20_wavy:x: expected font styles among bold, italic, "
                               "normal, left/center/right, letter_spacing_<n> and line_spacing_<n> (-500 to 500), "
                               "each once for overlay"),
    ("o_101", "Invalid o_101: expected an integer between 0 and 100 for opacity"),
])
def test_bad_overlays_are_refused_with_exact_messages(text: str, message: str) -> None:
    with pytest.raises(ImgOriginError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.status == 400


def ink_box(library: dict[str, Blob], text: str) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the pixels a text overlay changed on the blue base."""
    changed = np.any(run(library, text) != BLUE, axis=2)
    ys, xs = np.nonzero(changed)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_text_wraps_to_c_fit_width(library: dict[str, Blob]) -> None:
    words = "l_text:arial_14:one%20two%20three%20four%20five,co_white"
    _, _, wide, one_line = ink_box(library, f"{words}/fl_layer_apply,g_north_west")
    _, _, narrow, lines = ink_box(library, f"{words},c_fit,w_60/fl_layer_apply,g_north_west")
    assert wide > 100 and narrow <= 60
    assert lines > 2 * one_line


def test_text_spacing_and_alignment(library: dict[str, Blob]) -> None:
    plain = ink_box(library, "l_text:arial_14:Hello,co_white/fl_layer_apply,g_north_west")
    spaced = ink_box(library, "l_text:arial_14_letter_spacing_4:Hello,co_white/fl_layer_apply,g_north_west")
    assert spaced[2] == pytest.approx(plain[2] + 4 * 4, abs=2)  # four gaps between five letters
    tight = ink_box(library, "l_text:arial_14:a%0Ab,co_white/fl_layer_apply,g_north_west")
    loose = ink_box(library, "l_text:arial_14_line_spacing_10:a%0Ab,co_white/fl_layer_apply,g_north_west")
    assert loose[3] == pytest.approx(tight[3] + 10, abs=2)
    left = ink_box(library, "l_text:arial_14_left:iiii%0AWWWWWW,co_white/fl_layer_apply,g_north_west")
    right = ink_box(library, "l_text:arial_14_right:iiii%0AWWWWWW,co_white/fl_layer_apply,g_north_west")
    first_line = {name: np.nonzero(np.any(run(library, text)[:12] != BLUE, axis=2))[1].min()
                  for name, text in (("left", "l_text:arial_14_left:iiii%0AWWWWWW,co_white"
                                              "/fl_layer_apply,g_north_west"),
                                     ("right", "l_text:arial_14_right:iiii%0AWWWWWW,co_white"
                                               "/fl_layer_apply,g_north_west"))}
    assert left[2] == right[2]
    assert first_line["right"] > first_line["left"] + 20  # the short line moved to the right


def test_underlay_shows_through_transparent_parts_only(library: dict[str, Blob]) -> None:
    clear = pyvips.Image.black(100, 100).new_from_image([0, 0, 0, 0])
    blue = pyvips.Image.black(100, 100).new_from_image([*BLUE, 255])
    library["holey"] = Blob(data=clear.join(blue, "horizontal").copy(interpretation="srgb").write_to_buffer(".png"))
    pixels = run(library, "u_red,c_fill,w_1.0,h_1.0,fl_relative", source="holey")
    assert pixels.shape == (100, 200, 4)
    assert (pixels[:, :100] == [*RED, 255]).all()
    assert (pixels[:, 100:] == [*BLUE, 255]).all()
    under_opaque = run(library, "u_red,g_north_west")
    assert (under_opaque == BLUE).all()


def test_tiled_overlay_covers_the_image_on_a_grid_through_its_placement(library: dict[str, Blob]) -> None:
    half = pyvips.Image.black(10, 10).new_from_image([*RED, 255]).join(
        pyvips.Image.black(10, 10).new_from_image([0, 0, 0, 0]), "horizontal")
    library["stripe"] = Blob(data=half.copy(interpretation="srgb").write_to_buffer(".png"))
    pixels = run(library, "l_stripe,fl_tiled,g_north_west,x_5,y_3")
    columns = np.arange(200)
    red_columns = (columns - 5) % 20 < 10
    assert (pixels[:, red_columns] == RED).all()
    assert (pixels[:, ~red_columns] == BLUE).all()


@pytest.mark.parametrize(("text", "message"), [
    ("w_10,fl_tiled", "fl_tiled needs an overlay (l_) before it (w_10,fl_tiled)"),
    ("l_a,fl_tiled/e_grayscale/fl_layer_apply",
     "fl_tiled belongs with fl_layer_apply, not among the overlay's own components (l_a,fl_tiled)"),
    ("l_a/fl_progressive/fl_layer_apply", "fl_progressive applies to the whole image, not inside an overlay "
                                          "(fl_progressive)"),
])
def test_misplaced_overlay_flags_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidTransformation) as caught:
        parse(text)
    assert caught.value.message == message


def test_flags_of_the_short_form_are_kept() -> None:
    plan = parse("l_a,w_0.5,fl_relative.tiled.progressive,g_north")
    assert plan.canonical() == "l_a/fl_relative,w_0.5/fl_layer_apply.progressive.tiled,g_north"


@pytest.mark.parametrize(("mode", "expected"), [
    ("multiply", [50, 75, 100]),  # base x layer / 255
    ("screen", [178, 203, 228]),  # 255 - (255 - base) x (255 - layer) / 255
    ("overlay", [100, 150, 200]),  # mid-grey leaves the image as it is
])
def test_blend_modes(library: dict[str, Blob], mode: str, expected: list[int]) -> None:
    library["base"] = solid(200, 100, [100, 150, 200])
    library["grey"] = solid(20, 10, [128, 128, 128])
    pixels = run(library, f"l_grey/fl_layer_apply,g_north_west,e_{mode}")
    assert np.abs(pixels[5, 5] - expected).max() <= 1
    assert (pixels[50, 100] == [100, 150, 200]).all()


def test_mask_keeps_the_image_only_under_the_layer(library: dict[str, Blob]) -> None:
    pixels = run(library, "l_red,g_north_west,x_10,y_10,e_mask")
    assert pixels.shape == (100, 200, 4)
    inside = box_mask(pixels.shape, 10, 10, 20, 10)
    assert (pixels[inside] == [*BLUE, 255]).all()
    assert (pixels[~inside][:, 3] == 0).all()


@pytest.mark.parametrize(("text", "message"), [
    ("e_multiply", "e_multiply blends an overlay: put it with fl_layer_apply (e_multiply)"),
    ("l_a/e_screen/fl_layer_apply", "e_screen blends an overlay: put it with fl_layer_apply (e_screen)"),
    ("l_a/fl_layer_apply,e_grayscale", "e_grayscale cannot stand with fl_layer_apply: only the blend modes "
                                        "(e_multiply, e_screen, e_overlay, e_mask) do (fl_layer_apply,e_grayscale)"),
    ("u_a,e_multiply", "Blend modes apply to l_ overlays, not to u_ underlays (u_a,e_multiply)"),
])
def test_blend_modes_stand_only_with_fl_layer_apply(text: str, message: str) -> None:
    with pytest.raises(InvalidTransformation) as caught:
        parse(text)
    assert caught.value.message == message
