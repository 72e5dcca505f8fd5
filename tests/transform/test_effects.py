"""What each e_ effect does to real pixels, rendered through the engine (no HTTP)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st

from imgorigin.blob import Blob
from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat
from tests.helpers import PHOTOS
from tests.imaging import as_rgb
from tests.transform.parsing import assert_canonical, assert_refused

configure_libvips()

CAT = Blob(path=PHOTOS / "chelsea.png")


def run(blob: Blob, text: str, fmt: OutputFormat = OutputFormat.PNG) -> pyvips.Image:
    header = read_header(blob, SourceLimits())
    rendered = render(blob, header, parse(text), fmt, Limits())
    return as_rgb(pyvips.Image.new_from_buffer(rendered.data, ""))


def source(tmp_path: Path, image: pyvips.Image, name: str = "src.png") -> Blob:
    path = tmp_path / name
    image.cast("uchar").write_to_file(str(path))
    return Blob(path=path)


def flat(rgb: list[int], width: int = 120, height: int = 80) -> pyvips.Image:
    return (pyvips.Image.black(width, height) + rgb).cast("uchar").copy(interpretation="srgb")


def array(image: pyvips.Image) -> np.ndarray:
    return np.ndarray(
        buffer=image.write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, image.bands)
    )


def edge_energy(image: pyvips.Image) -> float:
    """Mean gradient magnitude of lightness: high for crisp edges, low for soft ones."""
    return float(image.colourspace("b-w")[0].sobel().avg())


def stats(image: pyvips.Image) -> tuple[float, float]:
    grey = image.colourspace("b-w")[0]
    return float(grey.avg()), float(grey.deviate())


@pytest.fixture
def alpha_photo(tmp_path: Path) -> Blob:
    """The cat with a left-to-right alpha ramp (0 at the left edge, 255 at the right)."""
    cat = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png"))
    ramp = (pyvips.Image.xyz(cat.width, cat.height)[0] * (255 / (cat.width - 1))).cast("uchar")
    return source(tmp_path, cat.bandjoin(ramp))


def test_negate_inverts_a_known_pixel(tmp_path: Path) -> None:
    out = run(source(tmp_path, flat([200, 30, 90])), "e_negate")
    assert out(10, 10) == [55.0, 225.0, 165.0]


def test_pixelate_makes_constant_blocks() -> None:
    out = array(run(CAT, "e_pixelate:10"))
    assert out.shape == (300, 451, 3)
    for top in range(0, 300, 10):
        for left in range(0, 450, 10):
            block = out[top : top + 10, left : left + 10]
            assert (block == block[0, 0]).all(), (left, top)
    # Blocks differ from each other: it averaged, it did not paint one colour.
    assert len({tuple(out[y, x]) for y in range(0, 300, 10) for x in range(0, 450, 10)}) > 200


def test_pixelate_default_is_5_pixel_blocks() -> None:
    out = array(run(CAT, "e_pixelate"))
    assert (out[0:5, 0:5] == out[0, 0]).all()
    assert (out[0:5, 5:10] == out[0, 5]).all()
    assert not (out[0, 0:10] == out[0, 0]).all()


def test_blur_lowers_edge_energy_and_keeps_the_mean() -> None:
    original = run(CAT, "")
    soft = run(CAT, "e_blur")
    softer = run(CAT, "e_blur:1000")
    assert edge_energy(soft) < 0.6 * edge_energy(original)
    assert edge_energy(softer) < 0.5 * edge_energy(soft)
    assert (softer.width, softer.height) == (451, 300)
    assert abs(stats(softer)[0] - stats(original)[0]) < 3


def test_large_blurs_keep_growing_softer_through_the_reduced_size_path() -> None:
    # Sigma 25 and 100 both take the shrink-blur-enlarge path; the larger must still be softer.
    energies = [edge_energy(run(CAT, f"e_blur:{strength}")) for strength in (100, 500, 2000)]
    assert energies[0] > energies[1] > energies[2]


def test_sharpen_and_unsharp_mask_raise_edge_energy() -> None:
    original = edge_energy(run(CAT, ""))
    sharpened = edge_energy(run(CAT, "e_sharpen"))
    assert sharpened > 1.1 * original
    assert edge_energy(run(CAT, "e_sharpen:800")) > sharpened
    unsharp = edge_energy(run(CAT, "e_unsharp_mask"))
    assert unsharp > 1.1 * original
    assert edge_energy(run(CAT, "e_unsharp_mask:500")) > unsharp


def test_brightness_moves_the_mean_the_right_way() -> None:
    mean = stats(run(CAT, ""))[0]
    assert stats(run(CAT, "e_brightness:30"))[0] > mean + 20
    assert stats(run(CAT, "e_brightness:-50"))[0] < mean * 0.55
    assert stats(run(CAT, "e_brightness:-99"))[0] < 3
    assert stats(run(CAT, "e_brightness"))[0] > stats(run(CAT, "e_brightness:30"))[0]  # default 80


def test_contrast_changes_the_spread() -> None:
    deviation = stats(run(CAT, ""))[1]
    assert stats(run(CAT, "e_contrast:50"))[1] > 1.3 * deviation
    assert stats(run(CAT, "e_contrast:-50"))[1] < 0.6 * deviation
    assert stats(run(CAT, "e_contrast:-100"))[1] < 1


def test_saturation_scales_chroma() -> None:
    def chroma(image: pyvips.Image) -> float:
        pixels = array(image).astype(int)
        return float(np.abs(pixels[..., 0] - pixels[..., 2]).mean())

    base = chroma(run(CAT, ""))
    assert chroma(run(CAT, "e_saturation:-100")) < 1.5
    assert chroma(run(CAT, "e_saturation:-50")) < 0.6 * base
    assert chroma(run(CAT, "e_saturation:50")) > 1.3 * base


def test_gamma_lifts_midtones_and_pins_black_and_white(tmp_path: Path) -> None:
    ramp = (pyvips.Image.xyz(256, 4)[0]).cast("uchar").copy(interpretation="b-w")
    out = run(source(tmp_path, ramp), "e_gamma:100")
    assert out(0, 0)[0] == 0
    assert out(255, 0)[0] == 255
    assert out(128, 0)[0] > 170  # 255 * (128/255) ** (1/2) = 181
    assert run(source(tmp_path, ramp, "b.png"), "e_gamma:-50")(128, 0)[0] < 80  # ** 2: 64


def test_blackwhite_leaves_only_black_and_white() -> None:
    out = array(run(CAT, "e_blackwhite"))
    assert set(np.unique(out)) == {0, 255}
    assert (out[..., 0] == out[..., 1]).all()
    whiter = (array(run(CAT, "e_blackwhite:20")) == 255).mean()
    darker = (array(run(CAT, "e_blackwhite:80")) == 255).mean()
    assert whiter > (out == 255).mean() > darker


def test_vignette_darkens_corners_by_the_level(tmp_path: Path) -> None:
    out = run(source(tmp_path, flat([200, 200, 200], 201, 101)), "e_vignette:50")
    assert abs(out(100, 50)[0] - 200) <= 1
    assert abs(out(0, 0)[0] - 100) <= 4  # gain 1 - 50/100 in the corners
    assert 100 < out(100, 0)[0] < 200


def test_colorize_blends_the_co_colour(tmp_path: Path) -> None:
    grey = source(tmp_path, flat([100, 100, 100]))
    assert run(grey, "co_red,e_colorize:50")(5, 5) == [178.0, 50.0, 50.0]
    assert run(grey, "e_colorize")(5, 5) == [128.0, 128.0, 128.0]  # default: gray at 100


def test_tint_maps_darks_and_lights_to_the_gradient(tmp_path: Path) -> None:
    ramp = (pyvips.Image.xyz(256, 4)[0]).cast("uchar").colourspace("srgb")
    blob = source(tmp_path, ramp)
    out = run(blob, "e_tint:100:blue:yellow")
    assert out(0, 0) == [0.0, 0.0, 255.0]
    assert out(255, 0) == [255.0, 255.0, 0.0]
    tinted = run(blob, "e_tint")  # 60% of a red duotone: white stays white, mid-grey turns red
    assert tinted(255, 0) == [255.0, 255.0, 255.0]
    assert all(abs(got - want) <= 2 for got, want in zip(tinted(128, 0), [204, 52, 52], strict=True))


def test_trim_cuts_a_uniform_margin(tmp_path: Path) -> None:
    canvas = flat([255, 255, 255], 200, 160).insert(flat([200, 20, 20], 50, 40), 70, 30)
    out = run(source(tmp_path, canvas), "e_trim")
    assert (out.width, out.height) == (50, 40)
    assert out(0, 0) == [200.0, 20.0, 20.0]


def test_trim_tolerance_and_colour_override(tmp_path: Path) -> None:
    # A slightly off-white margin around a grey frame around the subject.
    canvas = flat([250, 250, 250], 200, 160).insert(flat([225, 225, 225], 120, 100), 40, 30)
    canvas = canvas.insert(flat([10, 10, 10], 60, 40), 70, 60)
    blob = source(tmp_path, canvas)
    assert (run(blob, "e_trim:5").width, run(blob, "e_trim:5").height) == (120, 100)
    assert (run(blob, "e_trim:20").width, run(blob, "e_trim:20").height) == (60, 40)
    # Measured against white instead of the corner pixel:
    assert run(blob, "e_trim:1:white").width == 200  # 250 is 2% off white: kept at 1%
    assert run(blob, "e_trim:10:white").width == 120


def test_trim_cuts_transparent_edges(tmp_path: Path) -> None:
    clear = (pyvips.Image.black(100, 100, bands=4)).cast("uchar").copy(interpretation="srgb")
    solid = pyvips.Image.black(30, 20).new_from_image([0, 128, 0, 255]).cast("uchar")
    out = run(source(tmp_path, clear.insert(solid, 10, 60)), "e_trim")
    assert (out.width, out.height, out.bands) == (30, 20, 4)


def test_trim_never_cuts_everything(tmp_path: Path) -> None:
    out = run(source(tmp_path, flat([9, 9, 9])), "e_trim")
    assert (out.width, out.height) == (120, 80)


ALPHA_SAFE = [
    "e_blur:50", "e_sharpen", "e_unsharp_mask", "e_brightness:20", "e_contrast:30", "e_saturation:40",
    "e_gamma:30", "e_negate", "e_blackwhite", "e_vignette", "co_blue,e_colorize:30", "e_tint", "e_grayscale",
    "e_sepia",
]


@pytest.mark.parametrize("effect", ALPHA_SAFE)
def test_effects_keep_alpha(alpha_photo: Blob, effect: str) -> None:
    out = run(alpha_photo, effect)
    assert out.bands == 4
    ramp = out[3]  # blur spreads alpha like any band, by a level or two at the ramp's ends
    assert ramp(0, 100)[0] <= 2
    assert ramp(450, 100)[0] >= 253
    assert abs(ramp(225, 100)[0] - 127.5) <= 1


def test_pixelate_with_alpha_averages_premultiplied(tmp_path: Path) -> None:
    # Invisible red next to opaque blue: the hidden red must not tint the block.
    left = pyvips.Image.black(5, 10).new_from_image([255, 0, 0, 0]).cast("uchar")
    right = pyvips.Image.black(5, 10).new_from_image([0, 0, 255, 255]).cast("uchar")
    out = run(source(tmp_path, left.join(right, "horizontal").copy(interpretation="srgb")), "e_pixelate:10")
    red, green, blue, alpha = out(2, 2)
    assert (red, green, blue) == (0.0, 0.0, 255.0)
    assert abs(alpha - 127.5) <= 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("e_blur:0", "Invalid e_blur:0: expected an integer between 1 and 2000 after e_blur: for effect"),
        ("e_sharpen:2001", "Invalid e_sharpen:2001: expected an integer between 1 and 2000 after e_sharpen: for effect"),
        ("e_pixelate:201", "Invalid e_pixelate:201: expected an integer between 1 and 200 after e_pixelate: for effect"),
        (
            "e_brightness:-100",
            "Invalid e_brightness:-100: expected an integer between -99 and 100 after e_brightness: for effect",
        ),
        ("e_contrast:x", "Invalid e_contrast:x: expected an integer between -100 and 100 after e_contrast: for effect"),
        ("e_gamma:151", "Invalid e_gamma:151: expected an integer between -50 and 150 after e_gamma: for effect"),
        ("e_negate:5", "Invalid e_negate:5: expected no value after e_negate: for effect"),
        ("e_vignette:101", "Invalid e_vignette:101: expected an integer between 0 and 100 after e_vignette: for effect"),
        (
            "e_trim:5:nocolour",
            "Invalid e_trim:5:nocolour: expected a tolerance between 0 and 100, optionally followed by ':' and "
            "a colour after e_trim: for effect",
        ),
        (
            "e_tint:red:20p:blue",
            "Invalid e_tint:red:20p:blue: expected [equalize:][amount 0-100][:colour[:position 0-100p]]... "
            "with up to 10 colours, positions on all or none after e_tint: for effect",
        ),
        (
            "e_background_removal:1",
            "Invalid e_background_removal:1: expected no value after e_background_removal: for effect",
        ),
    ],
)
def test_effect_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("e_blur", "e_blur:100"),
        ("e_brightness", "e_brightness:80"),
        ("e_saturation", "e_saturation:80"),
        ("e_pixelate", "e_pixelate:5"),
        ("e_vignette", "e_vignette:20"),
        ("e_blackwhite", "e_blackwhite:50"),
        ("e_trim", "e_trim:10"),
        ("e_tint", "e_tint:60:rgb:ff0000"),
        ("e_tint:equalize:80:red:10p:blue:90p", "e_tint:equalize:80:rgb:ff0000:10p:rgb:0000ff:90p"),
        ("e_trim:5:rgb:00ff00", "e_trim:5:rgb:00ff00"),
    ],
)
def test_defaults_are_explicit_in_the_canonical_form(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)


def test_every_effect_documents_syntax_and_an_example() -> None:
    for name, unit in EFFECTS.items():
        assert unit.doc, name
        assert unit.example.startswith(f"e_{name}") or f"e_{name}" in unit.example, name
        parse(unit.example)


@pytest.mark.parametrize("size", [(1, 1), (2, 40), (300, 1)])
def test_trim_leaves_images_too_thin_to_have_edges(tmp_path: Path, size: tuple[int, int]) -> None:
    out = run(source(tmp_path, flat([9, 9, 9], *size)), "e_trim")
    assert (out.width, out.height) == size


def test_the_reduced_size_blur_looks_like_the_direct_one() -> None:
    from imgorigin.transform.deadline import Deadline
    from imgorigin.transform.effects.blur import DIRECT_SIGMA, gaussian
    from tests.imaging import mean_abs_diff

    photo = pyvips.Image.new_from_file(str(PHOTOS / "rocket.jpg")).copy_memory()
    sigma = DIRECT_SIGMA * 2.5
    fast = gaussian(photo, sigma, Deadline()).cast("uchar")
    exact = photo.gaussblur(sigma).cast("uchar")
    assert (fast.width, fast.height) == (photo.width, photo.height)
    assert mean_abs_diff(fast, exact) < 0.75  # measured 0.25


tint_colours = st.sampled_from(["red", "blue", "rgb:102030", "rgb:abc", "yellow"])


@settings(max_examples=200, deadline=None)
@given(
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 100)),
    st.lists(tint_colours, max_size=10),
    st.booleans(),
    st.integers(0, 100),
)
def test_tint_and_trim_values_round_trip(
    equalize: bool, amount: int | None, stops: list[str], positioned: bool, tolerance: int
) -> None:
    parts = (["equalize"] if equalize else []) + ([str(amount)] if amount is not None else [])
    for index, colour in enumerate(stops):
        parts.append(colour)
        if positioned:
            parts.append(f"{index * 10}p")
    text = "e_tint" + (":" + ":".join(parts) if parts else "")
    plan = parse(text)
    assert parse(plan.canonical()) == plan
    trim = parse(f"e_trim:{tolerance}:{stops[0]}" if stops else f"e_trim:{tolerance}")
    assert parse(trim.canonical()) == trim
