"""Automatic corrections, sepia and tint: what they do to pixel statistics of real and synthetic images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvips

from imgorigin.blob import Blob
from tests.helpers import PHOTOS
from tests.transform.parsing import assert_canonical, assert_refused
from tests.transform.test_effects import CAT, array, flat, run, source, stats


def dull(tmp_path: Path, cast: bool = True) -> Blob:
    """The cat squeezed into a third of the range, with a blue cast (+40 blue against red) unless not."""
    cat = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png"))
    squeezed = cat.linear([0.3, 0.3, 0.3], [70, 80, 110] if cast else [80, 80, 80])
    return source(tmp_path, squeezed.cast("uchar").copy(interpretation="srgb"))


def luma(image: pyvips.Image) -> np.ndarray:
    pixels = array(image).astype(float)
    return pixels[:, :, 0] * 0.2126 + pixels[:, :, 1] * 0.7152 + pixels[:, :, 2] * 0.0722


def channel_means(image: pyvips.Image) -> list[float]:
    return [float(image[band].avg()) for band in range(3)]


def test_auto_contrast_stretches_the_lightness_to_the_full_range(tmp_path: Path) -> None:
    blob = dull(tmp_path, cast=False)
    before, after = run(blob, "w_1.0"), run(blob, "e_auto_contrast")
    assert stats(before)[1] < 20
    assert stats(after)[1] > 2.5 * stats(before)[1]
    grey = luma(after)
    assert np.percentile(grey, 0.5) <= 3 and np.percentile(grey, 99.5) >= 250
    half = run(blob, "e_auto_contrast:50")
    assert stats(before)[1] < stats(half)[1] < stats(after)[1]


def test_auto_color_removes_a_colour_cast(tmp_path: Path) -> None:
    red, _, blue = channel_means(run(CAT, "w_1.0"))
    warmth = red - blue  # the cat is warm: red over blue
    blob = dull(tmp_path)
    red, _, blue = channel_means(run(blob, "w_1.0"))
    assert warmth - (red - blue) > 35  # the cast turned that around
    red, _, blue = channel_means(run(blob, "e_auto_color"))
    assert abs((red - blue) - warmth) < 15


def test_auto_brightness_moves_the_mean_towards_mid_grey(tmp_path: Path) -> None:
    dark = source(tmp_path, pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).linear(0.35, 0), "dark.png")
    assert stats(run(dark, "w_1.0"))[0] < 50
    mean, _ = stats(run(dark, "e_auto_brightness"))
    assert 110 < mean < 150
    light = source(tmp_path, pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).linear(0.3, 175), "light.png")
    assert stats(run(light, "e_auto_brightness"))[0] < stats(run(light, "w_1.0"))[0] - 30


def test_improve_fixes_cast_and_contrast_and_indoor_also_brightens(tmp_path: Path) -> None:
    blob = dull(tmp_path)
    out = run(blob, "e_improve")
    red, _, blue = channel_means(out)
    original_red, _, original_blue = channel_means(run(CAT, "w_1.0"))
    assert abs((red - blue) - (original_red - original_blue)) < 20
    assert stats(out)[1] > 2 * stats(run(blob, "w_1.0"))[1]
    # A dim room with a lamp: the stretch alone cannot brighten it, the lamp already reaches white.
    room = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).linear(0.3, 0).cast("uchar")
    room = room.draw_rect([255, 255, 255], 10, 10, 50, 50, fill=True)
    dark = source(tmp_path, room.copy(interpretation="srgb"), "dark.png")
    outdoor, indoor = stats(run(dark, "e_improve:outdoor"))[0], stats(run(dark, "e_improve:indoor"))[0]
    assert outdoor < 60 and indoor > outdoor + 40
    assert run(blob, "e_improve:0")(200, 150) == run(blob, "w_1.0")(200, 150)


@pytest.mark.parametrize("level", [1, 10, 50, 80, 100])
def test_sepia_is_a_sepia_tone_at_every_level(level: int) -> None:
    pixels = array(run(Blob(path=PHOTOS / "coffee.png"), f"e_sepia:{level}")).astype(int)
    red, green, blue = pixels[:, :, 0], pixels[:, :, 1], pixels[:, :, 2]
    assert (red >= green).all() and (green >= blue).all()
    assert (red - blue).mean() > 25


def test_sepia_keeps_detail_and_tones_pure_colours(tmp_path: Path) -> None:
    for rgb in ([0, 0, 255], [0, 255, 0], [255, 0, 0], [0, 0, 0], [255, 255, 255]):
        r, g, b = run(source(tmp_path, flat(rgb)), "e_sepia")(5, 5)
        assert r >= g >= b, rgb
    assert stats(run(CAT, "e_sepia"))[1] > 0.6 * stats(run(CAT, "w_1.0"))[1]


def test_full_tint_keeps_the_light_and_shade(tmp_path: Path) -> None:
    ramp = source(tmp_path, pyvips.Image.xyz(256, 4)[0].cast("uchar").colourspace("srgb"))
    out = run(ramp, "e_tint:100:red")
    assert out(0, 0) == [0.0, 0.0, 0.0]
    assert out(255, 0) == [255.0, 255.0, 255.0]
    assert out(128, 0)[0] > 250 and out(128, 0)[1] < 5  # the colour itself in the middle
    lightness = [out(x, 0)[0] + out(x, 0)[1] for x in range(0, 256, 16)]
    assert lightness == sorted(lightness) and len(set(lightness)) > 12
    assert stats(run(CAT, "e_tint:100:red"))[1] > 25  # a photo, not a flat wash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("e_auto_contrast:101", "Invalid e_auto_contrast:101: expected an integer between 0 and 100 after e_auto_contrast: for effect"),
        ("e_auto_color:x", "Invalid e_auto_color:x: expected an integer between 0 and 100 after e_auto_color: for effect"),
        ("e_auto_brightness:-1", "Invalid e_auto_brightness:-1: expected an integer between 0 and 100 after e_auto_brightness: for effect"),
        ("e_improve:sunny", "Invalid e_improve:sunny: expected [outdoor|indoor][:blend 0-100] after e_improve: for effect"),
        ("e_improve:indoor:50:1", "Invalid e_improve:indoor:50:1: expected [outdoor|indoor][:blend 0-100] after e_improve: for effect"),
    ],
)
def test_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("e_improve", "e_improve:outdoor:100"), ("e_improve:40", "e_improve:outdoor:40"),
     ("e_improve:indoor", "e_improve:indoor:100"), ("e_auto_color", "e_auto_color:100")],
)
def test_canonical_forms(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)
