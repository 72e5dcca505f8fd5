"""Shadow, outline, fades, transparency, colour replacement, regions and cartoons on known pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation
from imgorigin.transform.plan import parse
from imgorigin.transform.render import adds_alpha
from imgorigin.transform.values import OutputFormat
from tests.transform.parsing import assert_canonical, assert_refused
from tests.transform.test_effects import CAT, array, edge_energy, flat, run, source


def disc(tmp_path: Path) -> Blob:
    """A 200x200 transparent canvas holding an opaque red disc of radius 60 at its centre."""
    alpha = pyvips.Image.black(200, 200).draw_circle(255, 100, 100, 60, fill=True)
    red = pyvips.Image.black(200, 200, bands=3).linear(1, [220, 20, 20]).cast("uchar")
    return source(tmp_path, red.bandjoin(alpha).copy(interpretation="srgb"), "disc.png")


def test_shadow_grows_the_canvas_and_falls_to_the_offset(tmp_path: Path) -> None:
    out = run(disc(tmp_path), "e_shadow:100,x_20,y_10,co_blue")
    assert out.bands == 4
    pad = 12  # three sigmas of blur on every side
    assert (out.width, out.height) == (200 + 20 + 2 * pad, 200 + 10 + 2 * pad)
    # The disc is where it was (plus the pad), the shadow's centre 20 right and 10 down of it.
    assert out(pad + 100, pad + 100) == [220.0, 20.0, 20.0, 255.0]
    below_right = out(pad + 100 + 20 + 60 - 8, pad + 100 + 10)  # past the disc, inside its shadow
    assert below_right[2] == 255 and below_right[3] > 200
    assert out(pad + 100 - 60 - 8, pad + 100)[3] == 0  # nothing on the other side
    weak = run(disc(tmp_path), "e_shadow:40,x_20,y_10")
    assert abs(weak(pad + 100 + 72, pad + 110)[3] - 0.4 * below_right[3]) < 6


def test_shadow_on_an_opaque_photo_offsets_left_and_up(tmp_path: Path) -> None:
    out = run(CAT, "e_shadow,x_-15,y_-5")
    assert (out.width, out.height) == (451 + 15 + 24, 300 + 5 + 24)
    assert out(20, 100)[3] > 90  # the shadow, left of the photo (40% of 255 where it is whole)
    assert out(out.width - 5, out.height - 5)[3] == 0


def test_outline_draws_a_ring_of_the_width(tmp_path: Path) -> None:
    out = run(disc(tmp_path), "e_outline:outer:10,co_black")
    assert (out.width, out.height) == (220, 220)
    centre = 110
    assert out(centre, centre) == [220.0, 20.0, 20.0, 255.0]
    ring = out(centre + 60 + 5, centre)  # 5 px outside the disc
    assert ring[:3] == [0.0, 0.0, 0.0] and ring[3] == 255
    assert out(centre + 60 + 14, centre)[3] == 0  # beyond the 10 px
    inner = run(disc(tmp_path), "e_outline:inner:8,co_black")
    assert (inner.width, inner.height) == (200, 200)
    assert inner(100 + 60 - 4, 100)[:3] == [0.0, 0.0, 0.0]  # inside the edge
    assert inner(100, 100)[:3] == [220.0, 20.0, 20.0]
    assert inner(100 + 60 + 3, 100)[3] == 0


def test_outline_fill_modes_and_blur(tmp_path: Path) -> None:
    filled = run(disc(tmp_path), "e_outline:fill:6,co_green")
    assert filled(103, 103)[:3] == [0.0, 128.0, 0.0]
    assert filled(103 + 62, 103)[3] == 255
    silhouette = run(disc(tmp_path), "e_outline:inner_fill,co_green")
    assert silhouette(100, 100)[:3] == [0.0, 128.0, 0.0] and silhouette(100 + 63, 100)[3] == 0
    soft = run(disc(tmp_path), "e_outline:outer:10:200")
    assert soft.width > 220 and 0 < soft(soft.width // 2 + 60 + 13, soft.height // 2)[3] < 200


def test_outline_of_an_opaque_photo_frames_it() -> None:
    out = run(CAT, "e_outline:4,co_red")
    assert (out.width, out.height) == (459, 308)
    assert out(1, 150)[:3] == [255.0, 0.0, 0.0] and out(1, 150)[3] == 255
    assert out(229, 150)[:3] == run(CAT, "w_1.0")(225, 146)


def test_gradient_fade_fades_the_top_half_by_default() -> None:
    out = run(CAT, "e_gradient_fade")
    alpha = array(out)[:, :, 3].astype(int)
    assert alpha[0].max() <= 2 and (alpha[150:] == 255).all()
    column = alpha[:150, 200]
    assert (np.diff(column) >= 0).all() and abs(column[75] - 128) < 6  # linear at strength 20
    steep = array(run(CAT, "e_gradient_fade:100"))[:, :, 3]
    assert steep[75, 200] < 15


def test_gradient_fade_from_the_right_and_symmetric() -> None:
    out = array(run(CAT, "e_gradient_fade,x_-100"))[:, :, 3]
    assert out[150, 450] <= 3 and out[150, 340] == 255 and out[150, 0] == 255
    both = array(run(CAT, "e_gradient_fade:symmetric,y_0.25"))[:, :, 3]
    assert both[0, 200] <= 2 and both[299, 200] <= 2 and both[150, 200] == 255
    with pytest.raises(InvalidTransformation, match="fades one edge"):
        run(CAT, "e_gradient_fade,x_10,y_10")


def test_make_transparent_removes_the_background_colour(tmp_path: Path) -> None:
    canvas = flat([250, 250, 250], 120, 80).insert(flat([30, 90, 200], 40, 20), 40, 30)
    canvas = canvas.draw_rect([240, 244, 246], 0, 0, 10, 10, fill=True)  # close to the background
    blob = source(tmp_path, canvas)
    out = run(blob, "e_make_transparent")  # the edges' colour, tolerance 10
    assert out(60, 40) == [30.0, 90.0, 200.0, 255.0]
    assert out(100, 70)[3] == 0 and out(5, 5)[3] == 0
    strict = run(blob, "e_make_transparent:0,co_rgb:fafafa")
    assert strict(100, 70)[3] == 0 and strict(5, 5)[3] == 255
    blue = run(blob, "e_make_transparent:5,co_rgb:1e5ac8")
    assert blue(60, 40)[3] == 0 and blue(100, 70)[3] == 255
    assert run(blob, "e_make_transparent", OutputFormat.JPEG)(100, 70)[0] > 240  # flattened on white


def test_replace_color_recolours_the_source_and_keeps_shading(tmp_path: Path) -> None:
    stripes = flat([40, 160, 40], 100, 40).join(flat([20, 100, 20], 100, 40), "vertical")
    stripes = stripes.join(flat([200, 40, 40], 100, 40), "vertical")
    blob = source(tmp_path, stripes)
    out = run(blob, "e_replace_color:blue:60:rgb:28a028")
    light, dark, red = out(50, 20), out(50, 60), out(50, 100)
    assert light[2] > 200 and light[0] < 60 and light[1] < 60
    assert dark[2] > dark[1] and dark[2] < light[2]  # still the darker shade, now blue
    assert red == [200.0, 40.0, 40.0]  # far from green: untouched
    bare = run(blob, "e_replace_color:blue:60:28a028")
    assert bare(50, 20) == light
    predominant = run(source(tmp_path, stripes.crop(0, 0, 100, 70), "two.png"), "e_replace_color:red:30")
    assert predominant(50, 20)[0] > 200 and predominant(50, 20)[1] < 60


def test_blur_and_pixelate_region_change_only_the_rectangle() -> None:
    whole = run(CAT, "w_1.0")
    out = run(CAT, "e_blur_region:800,x_100,y_50,w_150,h_100")
    assert edge_energy(out.crop(110, 60, 130, 80)) < 0.3 * edge_energy(whole.crop(110, 60, 130, 80))
    assert array(out.crop(300, 0, 151, 300)).tolist() == array(whole.crop(300, 0, 151, 300)).tolist()
    pixelated = array(run(CAT, "e_pixelate_region:10,x_100,y_50,w_0.5,h_100"))
    block = pixelated[50:60, 100:110]
    assert (block == block[0, 0]).all()
    assert (pixelated[0:50] == array(whole)[0:50]).all()
    everything = array(run(CAT, "e_pixelate_region:10"))
    assert (everything[290:300, 440:450] == everything[290, 440]).all()


def test_cartoonify_flattens_colours_and_inks_edges() -> None:
    out = array(run(CAT, "e_cartoonify"))
    photo = array(run(CAT, "w_1.0"))
    assert len(np.unique(out.reshape(-1, 3), axis=0)) < len(np.unique(photo.reshape(-1, 3), axis=0)) / 10
    ink = (out == 0).all(axis=2).mean()
    assert 0.01 < ink < 0.3
    strong = (array(run(CAT, "e_cartoonify:90")) == 0).all(axis=2).mean()
    assert strong > ink
    bw = array(run(CAT, "e_cartoonify:50:bw"))
    assert (bw[:, :, 0] == bw[:, :, 1]).all() and (bw[:, :, 1] == bw[:, :, 2]).all()


@pytest.mark.parametrize("text", ["e_shadow", "e_outline", "e_make_transparent", "e_gradient_fade"])
def test_effects_that_add_transparency_make_f_auto_keep_alpha(text: str) -> None:
    assert adds_alpha(parse(text))
    assert not adds_alpha(parse("e_cartoonify"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("e_shadow:101", "Invalid e_shadow:101: expected an integer between 0 and 100 after e_shadow: for effect"),
        ("e_outline:middle", "Invalid e_outline:middle: expected [outer|inner|inner_fill|fill][:width 1-100][:blur 0-2000] after e_outline: for effect"),
        ("e_outline:inner:0", "Invalid e_outline:inner:0: expected [outer|inner|inner_fill|fill][:width 1-100][:blur 0-2000] after e_outline: for effect"),
        ("e_cartoonify:50:grey", "Invalid e_cartoonify:50:grey: expected [line strength 0-100][:colour reduction 0-100 or bw] after e_cartoonify: for effect"),
        ("e_blur_region:0", "Invalid e_blur_region:0: expected an integer between 1 and 2000 after e_blur_region: for effect"),
        ("e_pixelate_region:201", "Invalid e_pixelate_region:201: expected an integer between 1 and 200 after e_pixelate_region: for effect"),
        ("e_replace_color", "Invalid e_replace_color: expected a target colour, then optionally a tolerance 0-100 and a source colour (blue:60:rgb:2b38aa) after e_replace_color: for effect"),
        ("e_replace_color:blue:101", "Invalid e_replace_color:blue:101: expected a target colour, then optionally a tolerance 0-100 and a source colour (blue:60:rgb:2b38aa) after e_replace_color: for effect"),
        ("e_make_transparent:101", "Invalid e_make_transparent:101: expected an integer between 0 and 100 after e_make_transparent: for effect"),
        ("e_gradient_fade:sideways", "Invalid e_gradient_fade:sideways: expected [symmetric][:strength 0-100] after e_gradient_fade: for effect"),
        ("e_blur_region,c_fill,w_100,h_100", "c_ cannot stand with e_blur_region, whose x_, y_, w_ and h_ qualify the effect: put it in its own component (e_blur_region,c_fill,w_100,h_100)"),
        ("e_shadow,c_crop,w_100,x_10", "c_ cannot stand with e_shadow, whose x_ and y_ qualify the effect: put it in its own component (e_shadow,c_crop,w_100,x_10)"),
        ("x_10", "x_ and y_ need c_crop in the same component (x_10)"),
    ],
)
def test_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("e_outline", "e_outline:outer:5:0"),
        ("e_outline:inner:3", "e_outline:inner:3:0"),
        ("e_cartoonify:20:bw", "e_cartoonify:20:bw"),
        ("e_cartoonify", "e_cartoonify:50"),
        ("e_replace_color:red", "e_replace_color:rgb:ff0000:50"),
        ("e_replace_color:red:20:00ff00", "e_replace_color:rgb:ff0000:20:rgb:00ff00"),
        ("e_gradient_fade", "e_gradient_fade:20"),
        ("e_gradient_fade:symmetric", "e_gradient_fade:symmetric:20"),
        ("w_100,e_blur_region,h_50", "e_blur_region:100,h_50,w_100"),
        ("e_shadow,y_-5,x_5,co_red,w_300", "co_rgb:ff0000,e_shadow:40,w_300,x_5,y_-5"),
    ],
)
def test_canonical_forms(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)
