"""Cloudinary crop modes as arithmetic, on the issue's 4000x3000 examples and the edge cases."""

from __future__ import annotations

import pytest

from imgorigin.transform.geometry import Box, plan_resize
from imgorigin.transform.plan import parse


def resize(text: str, size: tuple[int, int] = (4000, 3000)):  # type: ignore[no-untyped-def]
    return plan_resize(size, parse(text).components[0])


@pytest.mark.parametrize(
    ("text", "output"),
    [
        ("c_fit,w_300,h_200", (267, 200)),
        ("c_fill,w_300,h_200", (300, 200)),
        ("c_scale,w_300,h_200", (300, 200)),
        ("w_300", (300, 225)),
        ("h_300", (400, 300)),
        ("w_0.5", (2000, 1500)),
        ("w_0.1,h_0.5", (400, 1500)),
        ("c_limit,w_300,h_200", (267, 200)),
        ("c_limit,w_5000,h_5000", (4000, 3000)),
        ("c_mfit,w_300,h_200", (4000, 3000)),
        ("c_mfit,w_8000,h_8000", (8000, 6000)),
        ("c_pad,w_300,h_300", (300, 300)),
        ("c_lpad,w_5000,h_5000", (5000, 5000)),
        ("c_lfill,w_300,h_200", (300, 200)),
        ("c_lfill,w_5000,h_100", (4000, 100)),
        ("c_crop,w_100,h_50", (100, 50)),
        ("c_crop,w_5000,h_50", (4000, 50)),
        ("c_thumb,w_100,h_100", (100, 100)),
        ("ar_1:1,c_fill", (3000, 3000)),
        ("ar_16:9,c_fill,w_1600", (1600, 900)),
        ("w_300,dpr_2.0", (600, 450)),
        ("c_fill,w_150,h_100,dpr_3.0", (450, 300)),
    ],
)
def test_output_sizes(text: str, output: tuple[int, int]) -> None:
    assert resize(text).output == output


def test_limit_never_enlarges_small_images() -> None:
    assert resize("c_limit,w_1000", (640, 427)).output == (640, 427)
    assert resize("c_fit,w_1000", (640, 427)).output == (1000, 667)


def test_fill_gravity_picks_the_region() -> None:
    # 4000x3000 -> cover 300x200 scales to 300x225: 25 rows spare
    assert resize("c_fill,w_300,h_200,g_north").crop == Box(0, 0, 300, 200)
    assert resize("c_fill,w_300,h_200,g_south").crop == Box(0, 25, 300, 200)
    assert resize("c_fill,w_300,h_200").crop == Box(0, 13, 300, 200)


def test_crop_offsets_are_from_the_gravity() -> None:
    assert resize("c_crop,w_100,h_100,x_10,y_20").crop == Box(10, 20, 100, 100)
    assert resize("c_crop,w_100,h_100,g_south_east,x_10,y_20").crop == Box(3890, 2880, 100, 100)
    assert resize("c_crop,w_100,h_100,g_center").crop == Box(1950, 1450, 100, 100)
    assert resize("c_crop,w_100,h_100,x_3950").crop == Box(3900, 0, 100, 100)  # clamped inside


def test_pad_places_by_gravity() -> None:
    assert resize("c_pad,w_300,h_300").pad == Box(0, 38, 300, 300)
    assert resize("c_pad,w_300,h_300,g_north").pad == Box(0, 0, 300, 300)
    assert resize("c_pad,w_300,h_300,g_south").pad == Box(0, 75, 300, 300)


def test_no_size_means_no_resize() -> None:
    assert plan_resize((4000, 3000), parse("e_grayscale").components[0]) is None
