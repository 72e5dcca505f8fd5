"""Every effect and resize/crop mode against its stored golden image, within a perceptual tolerance;
and proof that the tolerance lets rounding noise through but not a change of strength or geometry."""

from __future__ import annotations

import re

import pytest
import pyvips

from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.values import CropMode
from tests.golden.cases import CASES, IMAGES, NOT_GOLDEN, TOLERANCE, Case, difference, rendered

BY_NAME = {case.name: case for case in CASES}


def golden(case: Case) -> pyvips.Image:
    return pyvips.Image.new_from_file(str(case.path))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_render_matches_its_golden_image(case: Case) -> None:
    score = difference(golden(case), rendered(case.transformation, case.photo))
    assert score <= TOLERANCE, (
        f"{case.transformation} on {case.photo} differs from {case.path.name} by {score:.2f} (tolerance "
        f"{TOLERANCE}); if the change is intended: python -m tests.golden.regenerate {case.name}"
    )


def test_every_effect_and_crop_mode_has_a_stored_golden_image() -> None:
    assert {f"e_{name}" for name in EFFECTS if name not in NOT_GOLDEN} <= set(BY_NAME)
    assert {f"c_{mode.value}" for mode in CropMode} <= set(BY_NAME)
    stored = sorted(IMAGES.glob("*.png"))
    assert {path.stem for path in stored} == set(BY_NAME), "python -m tests.golden.regenerate"
    assert sum(path.stat().st_size for path in stored) < 1_500_000


def stronger(transformation: str) -> str | None:
    """The transformation with its effect's first number a fifth larger (e_sepia:50 -> e_sepia:60)."""
    match = re.search(r"e_[a-z_]+(?::[a-z_]+)?:(-?\d+)", transformation)
    if match is None:
        return None
    value = int(match[1])
    return transformation[:match.start(1)] + str(round(value * 1.2)) + transformation[match.end(1):]


# e_trim's value is a colour tolerance: a fifth more moves the edge of a crisp logo by nothing.
INSENSITIVE = {"e_trim"}
STRONGER = [(case, text) for case in CASES if case.name not in INSENSITIVE
            and (text := stronger(case.transformation)) is not None]


@pytest.mark.parametrize(("case", "text"), STRONGER, ids=[case.name for case, _ in STRONGER])
def test_a_fifth_more_strength_fails_the_comparison(case: Case, text: str) -> None:
    assert difference(golden(case), rendered(text, case.photo)) > TOLERANCE, text


MOVED = [
    ("c_crop_offset", "w_240/c_crop,w_64,h_48,g_north_west,x_33,y_20"),
    ("c_crop_offset", "w_240/c_crop,w_64,h_48,g_north_west,x_30,y_17"),
    ("c_crop", "w_240/c_crop,w_64,h_48,g_north_west,x_85,y_56"),
    ("c_crop", "w_240/c_crop,w_64,h_48,g_north_west,x_88,y_59"),
    ("c_fill", "c_fill,w_96,h_93"),
]


def test_the_same_crop_spelt_otherwise_passes_the_comparison() -> None:
    """The control for the moved crops: the centre crop of 240x160 starts at 88,56."""
    case = BY_NAME["c_crop"]
    assert difference(golden(case), rendered("w_240/c_crop,w_64,h_48,g_north_west,x_88,y_56", case.photo)) < 0.5


@pytest.mark.parametrize(("name", "text"), MOVED, ids=[text for _, text in MOVED])
def test_a_crop_moved_by_a_few_pixels_fails_the_comparison(name: str, text: str) -> None:
    case = BY_NAME[name]
    assert difference(golden(case), rendered(text, case.photo)) > TOLERANCE, text


def clamped(image: pyvips.Image) -> pyvips.Image:
    image = (image > 255).ifthenelse(255, image)
    return (image < 0).ifthenelse(0, image).cast("uchar")


@pytest.mark.parametrize("name", ["e_sepia", "e_sharpen", "c_fill", "e_gradient_fade", "e_blackwhite"])
def test_rounding_noise_passes_the_comparison(name: str) -> None:
    """What another libvips version changes: values a level or two off, everywhere."""
    expected = golden(BY_NAME[name])
    noise = pyvips.Image.gaussnoise(expected.width, expected.height, sigma=0.7, mean=0, seed=7)
    noisy = clamped((expected.cast("float") + noise).rint())
    assert 0 < difference(expected, noisy) <= TOLERANCE
    brighter = clamped(expected.cast("float") + 1)
    assert 0 < difference(expected, brighter) <= TOLERANCE
