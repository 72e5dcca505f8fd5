"""The URL grammar, without libvips: URL -> plan, URL -> exact error, canonical round trips."""

from __future__ import annotations

import subprocess
import sys

import pytest

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.colors import Color
from imgorigin.transform.limits import Limits
from imgorigin.transform.output import FormatChoice, Quality
from imgorigin.transform.plan import parse
from imgorigin.transform.values import Angle, CropMode, Flip, Gravity, Length, OutputFormat


def only(text: str):  # type: ignore[no-untyped-def]
    plan = parse(text)
    assert len(plan.components) == 1
    return plan.components[0]


@pytest.mark.parametrize(
    ("text", "param", "value"),
    [
        ("w_300", p.WIDTH, Length(300)),
        ("w_0.5", p.WIDTH, Length(0.5, relative=True)),
        ("w_1.0", p.WIDTH, Length(1.0, relative=True)),
        ("h_200", p.HEIGHT, Length(200)),
        ("c_fill,w_1", p.CROP, CropMode.FILL),
        ("c_lpad,w_1", p.CROP, CropMode.LPAD),
        ("c_fill,g_north_east,w_1", p.GRAVITY, Gravity.NORTH_EAST),
        ("c_thumb,g_auto,w_1", p.GRAVITY, Gravity.AUTO),
        ("c_crop,w_10,x_-5", p.X, Length(-5)),
        ("c_crop,w_10,y_0.25", p.Y, Length(0.25, relative=True)),
        ("ar_16:9,c_fill", p.ASPECT_RATIO, round(16 / 9, 6)),
        ("ar_1.5,w_100", p.ASPECT_RATIO, 1.5),
        ("dpr_2.0,w_100", p.DPR, 2.0),
        ("a_90", p.ANGLE, Angle((90.0,))),
        ("a_-45", p.ANGLE, Angle((-45.0,))),
        ("a_12.5", p.ANGLE, Angle((12.5,))),
        ("a_hflip", p.ANGLE, Angle((Flip.HFLIP,))),
        ("a_vflip.90", p.ANGLE, Angle((Flip.VFLIP, 90.0))),
        ("b_blue", p.BACKGROUND, Color(0, 0, 255)),
        ("b_rgb:ff000080", p.BACKGROUND, Color(255, 0, 0, 128)),
        ("b_rgb:0f0", p.BACKGROUND, Color(0, 255, 0)),
        ("q_80", p.QUALITY, Quality(value=80)),
        ("q_auto", p.QUALITY, Quality(auto="good")),
        ("f_webp", p.FORMAT, FormatChoice(OutputFormat.WEBP)),
        ("f_jpeg", p.FORMAT, FormatChoice(OutputFormat.JPEG)),
        ("f_auto", p.FORMAT, FormatChoice(None)),
    ],
)
def test_url_to_plan(text: str, param: p.Param, value: object) -> None:  # type: ignore[type-arg]
    assert only(text).get(param) == value


def test_effects_parse_with_defaults() -> None:
    assert only("e_grayscale").get(p.EFFECT).name == "grayscale"
    sepia = only("e_sepia").get(p.EFFECT)
    assert (sepia.name, sepia.arg) == ("sepia", 80)
    assert only("e_sepia:35").get(p.EFFECT).arg == 35


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "w_-5",
            "Invalid w_-5: expected an integer between 1 and 16383 (pixels) or a decimal such as 0.5 "
            "(a fraction) for width",
        ),
        (
            "w_abc",
            "Invalid w_abc: expected an integer between 1 and 16383 (pixels) or a decimal such as 0.5 "
            "(a fraction) for width",
        ),
        ("w_9000", "Invalid w_9000: the largest width is 8192 pixels"),
        ("h_5000,dpr_2.0", "Invalid h_5000 at dpr_2.0 (10000 pixels): the largest height is 8192 pixels"),
        (
            "c_stretch,w_10",
            "Invalid c_stretch: expected a crop mode: one of scale, fit, limit, mfit, fill, lfill, "
            "pad, lpad, crop, thumb, auto, fill_pad for crop mode",
        ),
        ("c_fill", "c_fill needs w_, h_ or ar_ in the same component (c_fill)"),
        ("g_north,w_10", "g_ needs c_fill, c_lfill, c_pad, c_lpad, c_crop, c_thumb, c_auto or c_fill_pad (g_north,w_10)"),
        ("w_300,x_5", "x_ and y_ need c_crop in the same component (w_300,x_5)"),
        ("zz_1", "Unknown parameter zz_ in 'zz_1'"),
        ("grayscale", "Unknown parameter 'grayscale': expected key_value, such as w_300"),
        ("w_", "Parameter w_ needs a value, e.g. w_300"),
        ("w_1,w_2", "Parameter w_ appears twice in the component 'w_1,w_2'"),
        ("w_1,c_fit,w_2", "Parameter w_ appears twice in the component 'w_1,c_fit,w_2'"),
        ("w_10//h_10", "Empty transformation component"),
        ("q_80/q_70", "Parameter q_ may appear only once in a transformation"),
        ("q_101", "Invalid q_101: expected an integer between 1 and 100, or auto[:best|good|eco|low] for quality"),
        ("f_bmp", "Invalid f_bmp: expected auto or one of jpg, png, webp, avif, gif, tiff for format"),
        ("b_notacolour", "Invalid b_notacolour: expected a colour name (blue), rgb:RRGGBB[AA] or auto[:<mode>] for background"),
        (
            "a_400",
            "Invalid a_400: expected degrees between -360 and 360, hflip, vflip or ignore (several joined "
            "by '.') for angle",
        ),
        ("dpr_9.0,w_10", "Invalid dpr_9.0: expected a number between 0.1 and 4 for device pixel ratio"),
        ("dpr_4.5,w_10", "Invalid dpr_4.5: expected a number between 0.1 and 4 for device pixel ratio"),
        # The product is what is too big: the message names both numbers and the cap.
        ("c_scale,w_4096,h_4096,dpr_3.0", "Invalid w_4096 at dpr_3.0 (12288 pixels): the largest width is 8192 pixels"),
        ("h_3000,dpr_3.0", "Invalid h_3000 at dpr_3.0 (9000 pixels): the largest height is 8192 pixels"),
        ("w_9000,dpr_1.0", "Invalid w_9000: the largest width is 8192 pixels"),
        ("dpr_2.0", "dpr_ needs w_ or h_ in the same component (dpr_2.0)"),
        (
            "ar_0:1,c_fill",
            "Invalid ar_0:1: expected a ratio such as 16:9 or a decimal such as 1.5 (between 0.01 "
            "and 100) for aspect ratio",
        ),
        ("e_nope", "Invalid e_nope: expected a known effect such as grayscale, blur, sepia (all are listed in docs/transformations.md) for effect"),
        ("e_sepai", "Invalid e_sepai: expected a known effect such as sepia (all are listed in docs/transformations.md) for effect"),
        ("e_sepia:0", "Invalid e_sepia:0: expected an integer between 1 and 100 after e_sepia: for effect"),
        ("e_grayscale:5", "Invalid e_grayscale:5: expected no value after e_grayscale: for effect"),
    ],
)
def test_url_to_exact_error(text: str, message: str) -> None:
    with pytest.raises(InvalidTransformation) as caught:
        parse(text)
    assert caught.value.status == 400
    if message.endswith("("):
        assert caught.value.message.startswith(message)
    else:
        assert caught.value.message == message


def test_too_many_components() -> None:
    with pytest.raises(InvalidTransformation, match=r"^Too many components: 4 \(the limit is 3\)$"):
        parse("w_1/w_2/w_3/w_4", Limits(max_components=3))


def test_the_limit_counts_overlays_as_their_canonical_form_writes_them() -> None:
    # l_logo,w_20,g_north is written l_logo/w_20/fl_layer_apply,g_north: three components, not one.
    message = r"^Too many components: 4 once the overlays are written in full as l_\.\.\./fl_layer_apply \(the limit is 3\)$"
    with pytest.raises(InvalidTransformation, match=message):
        parse("w_1/l_logo,w_20,g_north", Limits(max_components=3))
    plan = parse("w_1/l_logo,g_north", Limits(max_components=3))
    assert plan.canonical() == "w_1/l_logo/fl_layer_apply,g_north"
    assert parse(plan.canonical(), Limits(max_components=3)) == plan


def test_parameter_order_does_not_matter() -> None:
    a = parse("w_300,c_fill,h_200,g_south")
    b = parse("g_south,h_200,w_300,c_fill")
    assert a == b
    assert a.canonical() == b.canonical() == "c_fill,g_south,h_200,w_300"


def test_component_order_matters() -> None:
    assert parse("w_100/a_90") != parse("a_90/w_100")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "w_300",
        "w_0.5,h_0.333333",
        "c_fill,g_auto,w_400,h_300/e_grayscale/q_auto",
        "c_pad,w_300,h_300,b_rgb:0000ff80/a_hflip.45/f_webp,q_75",
        "c_crop,w_100,h_50,x_-10,y_0.5/e_sepia:12/dpr_1.5,w_10",
        "ar_16:9,c_lfill,w_1.0",
        "a_ignore/c_limit,w_2000",
    ],
)
def test_canonical_round_trip(text: str) -> None:
    plan = parse(text)
    assert parse(plan.canonical()) == plan
    assert parse(plan.canonical()).canonical() == plan.canonical()


def test_relative_one_stays_relative() -> None:
    """``w_1.0`` is 100% of the width; its canonical form must not become one pixel."""
    plan = parse("w_1.0")
    assert plan.canonical() == "w_1.0"
    assert parse(plan.canonical()).components[0].get(p.WIDTH) == Length(1.0, relative=True)


def test_registry_refuses_duplicate_keys() -> None:
    with pytest.raises(RuntimeError, match="declared twice"):
        p.register(p.Param("w", "width again", str, "", "w_1"))


def test_parsing_imports_no_pyvips() -> None:
    code = (
        "import sys\n"
        "from imgorigin.transform.plan import parse\n"
        "from imgorigin.delivery.url import split\n"
        "parse('c_fill,w_300,h_200/e_grayscale/e_sepia:30/a_90,b_red/f_webp,q_80')\n"
        "split('s--abcdefgh--/w_300/v12/abc.jpg')\n"
        "assert 'pyvips' not in sys.modules, 'pyvips was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
