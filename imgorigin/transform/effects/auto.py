"""Automatic corrections measured on the image itself: ``e_auto_contrast``, ``e_auto_color``,
``e_auto_brightness`` and ``e_improve``, each with an optional blend with the original (0-100).

The statistics come from a copy of at most ``SAMPLE_SIDE`` pixels a side, so measuring costs the
same for a 24 MP photo as for a thumbnail; the correction itself is one linear map (or gamma curve)
per band that libvips applies while encoding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from imgorigin.transform.effects.bands import on_colour
from imgorigin.transform.effects.registry import effect, keyword_then_ints, optional_int

if TYPE_CHECKING:
    import numpy as np
    import pyvips

    from imgorigin.transform.context import RenderContext

SAMPLE_SIDE = 256
CLIP = 0.5  # percent of the darkest and of the lightest pixels let go to black and white
MIN_SPREAD = 8  # below this a band is flat: stretching it would only amplify noise
GAMMA_RANGE = (0.4, 2.5)
IMPROVE_SATURATION = 1.15


def sample(image: pyvips.Image) -> np.ndarray:
    """The colour bands of a small copy as an (h, w, bands) uint8 array."""
    import numpy as np

    scale = min(1.0, SAMPLE_SIDE / max(image.width, image.height))
    small = image.resize(scale, kernel="linear") if scale < 1 else image
    small = small.cast("uchar")
    return np.ndarray(buffer=small.write_to_memory(), dtype=np.uint8,
                      shape=(small.height, small.width, small.bands))


def _luma(pixels: np.ndarray) -> np.ndarray:
    if pixels.shape[2] < 3:
        return pixels[:, :, 0].astype(float)
    return pixels[:, :, 0] * 0.2126 + pixels[:, :, 1] * 0.7152 + pixels[:, :, 2] * 0.0722


def _stretch(values: np.ndarray) -> tuple[float, float]:
    """(gain, offset) mapping the CLIP percentiles of ``values`` to 0 and 255; identity when flat."""
    import numpy as np

    low, high = (float(v) for v in np.percentile(values, [CLIP, 100 - CLIP]))
    if high - low < MIN_SPREAD:
        return 1.0, 0.0
    gain = 255 / (high - low)
    return gain, -low * gain


def _blended(image: pyvips.Image, blend: int, change: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    strength = blend / 100

    def mix(colour: pyvips.Image) -> pyvips.Image:
        changed = change(colour)
        return changed if strength == 1 else changed * strength + colour * (1 - strength)

    return on_colour(image, mix)


def _colour_only(image: pyvips.Image) -> pyvips.Image:
    return image.extract_band(0, n=image.bands - 1) if image.hasalpha() else image


def contrast_map(image: pyvips.Image) -> tuple[float, float]:
    return _stretch(_luma(sample(_colour_only(image))))


def _colour_maps(pixels: np.ndarray) -> tuple[list[float], list[float]]:
    maps = [_stretch(pixels[:, :, band]) for band in range(pixels.shape[2])]
    return [gain for gain, _ in maps], [offset for _, offset in maps]


def _brightness_gamma(luma: np.ndarray) -> float:
    """The exponent that moves the mean lightness to mid-grey, within ``GAMMA_RANGE``."""
    mean = float(luma.mean()) / 255
    if not 0.01 < mean < 0.99:
        return 1.0
    return min(max(math.log(0.5) / math.log(mean), GAMMA_RANGE[0]), GAMMA_RANGE[1])


def _gamma(colour: pyvips.Image, exponent: float) -> pyvips.Image:
    # out = 255 * (in / 255) ** exponent; libvips' gamma() takes the inverse exponent.
    return colour if exponent == 1.0 else colour.gamma(exponent=1 / exponent)


blend_arg = optional_int(100, 0, 100)


@effect("auto_contrast", parse_arg=blend_arg, example="e_auto_contrast", random_access=True)
def auto_contrast(image: pyvips.Image, blend: int, ctx: RenderContext) -> pyvips.Image:
    """Stretches the lightness so the darkest pixels become black and the lightest white (0.5% of
    each let go), one map for all channels so hues stay. ``e_auto_contrast[:blend]``, blend 0-100
    with the original (default 100). Example: ``e_auto_contrast``."""
    gain, offset = contrast_map(image)
    return _blended(image, blend, lambda colour: colour.linear([gain], [offset]))


@effect("auto_color", parse_arg=blend_arg, example="e_auto_color:80", random_access=True)
def auto_color(image: pyvips.Image, blend: int, ctx: RenderContext) -> pyvips.Image:
    """Removes a colour cast: each channel is stretched on its own from its darkest to its lightest
    values (0.5% let go). ``e_auto_color[:blend]``, blend 0-100 (default 100). Example: ``e_auto_color:80``."""
    gains, offsets = _colour_maps(sample(_colour_only(image)))
    return _blended(image, blend, lambda colour: colour.linear(gains, offsets))


@effect("auto_brightness", parse_arg=blend_arg, example="e_auto_brightness", random_access=True)
def auto_brightness(image: pyvips.Image, blend: int, ctx: RenderContext) -> pyvips.Image:
    """Brightens a dark image or darkens a light one with a gamma curve that brings the mean
    lightness to mid-grey (black and white stay). ``e_auto_brightness[:blend]``, blend 0-100
    (default 100). Example: ``e_auto_brightness``."""
    exponent = _brightness_gamma(_luma(sample(_colour_only(image))))
    return _blended(image, blend, lambda colour: _gamma(colour, exponent))


class ImproveMode(StrEnum):
    OUTDOOR = "outdoor"
    INDOOR = "indoor"


@dataclass(frozen=True)
class Improve:
    mode: ImproveMode = ImproveMode.OUTDOOR
    blend: int = 100

    def canonical(self) -> str:
        return f"{self.mode.value}:{self.blend}"


def parse_improve(raw: str | None) -> Improve:
    expected = "[outdoor|indoor][:blend 0-100]"
    if raw is None:
        return Improve()
    mode, numbers = keyword_then_ints(raw, {m.value for m in ImproveMode}, [(0, 100)], expected)
    return Improve(ImproveMode(mode or ImproveMode.OUTDOOR), *numbers)


@effect("improve", parse_arg=parse_improve, example="e_improve:indoor:80", format_arg=Improve.canonical,
        random_access=True)
def improve(image: pyvips.Image, spec: Improve, ctx: RenderContext) -> pyvips.Image:
    """Adjusts colours, contrast and brightness together: removes a colour cast and stretches each
    channel (as ``e_auto_color``), then for ``outdoor`` (the default) lifts saturation a little, for
    ``indoor`` also lifts a dark mean lightness towards mid-grey (dim rooms, shadows). ``e_improve[:mode][:blend]``,
    blend 0-100 with the original (default 100). Example: ``e_improve:indoor:80``."""
    import numpy as np

    pixels = sample(_colour_only(image))
    gains, offsets = _colour_maps(pixels)
    exponent = 1.0
    if spec.mode is ImproveMode.INDOOR:
        # The mean lightness once stretched, read on the same sample (a linear map commutes with the
        # resize) rather than on a stretched copy of the whole image: 24 MP cost 480 ms that way.
        stretched = np.clip(pixels * gains + offsets, 0, 255).astype(np.uint8)  # as cast("uchar")
        exponent = min(_brightness_gamma(_luma(stretched)), 1.0)  # lifts a dim room, never darkens

    def change(colour: pyvips.Image) -> pyvips.Image:
        out = colour.linear(gains, offsets)
        if spec.mode is ImproveMode.INDOOR:
            out = _gamma(out.cast("uchar"), exponent)
        elif colour.bands >= 3:
            out = out.cast("uchar").colourspace("lch").linear([1, IMPROVE_SATURATION, 1], [0, 0, 0])
            out = out.colourspace("srgb")
        return out

    return _blended(image, spec.blend, change)
