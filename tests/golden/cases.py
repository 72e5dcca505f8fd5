"""The golden cases: one render of a shipped photo for each registered effect and each resize/crop mode,
stored as a small PNG in tests/golden/images and compared with a perceptual tolerance.

``python -m tests.golden.regenerate`` writes the images again (see docs/testing.md for when).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import NotFound
from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.faces import FaceDetector
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import Header, SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat

IMAGES = Path(__file__).parent / "images"
PHOTOS = Path(__file__).parent.parent / "fixtures"
WIDTH = 96  # small enough to keep the whole set under a megabyte, large enough to show a 3 px shift

# The comparison: the mean absolute difference (0-255, averaged over the bands) of each BLOCK x BLOCK
# tile, and the worst tile must stay within TOLERANCE. A tile, not the whole image: a change confined
# to a region (e_blur_region, a face, a shadow's edge) would vanish in a whole-image average.
# Rounding noise of a level or two, which is what another libvips version brings, stays near 0.6; a
# fifth more of an effect's strength or a crop moved by three pixels scores 2.8 or more (test_golden
# proves both sides).
BLOCK = 8
TOLERANCE = 2.0


@dataclass(frozen=True)
class Case:
    name: str
    transformation: str
    photo: str = "chelsea.png"

    @property
    def path(self) -> Path:
        return IMAGES / f"{self.name}.png"


# Effects whose registered example does not suit a small golden render, and what is rendered instead.
EFFECT_OVERRIDES = {
    "mask": ("c_fill,w_96,h_96/l_logo,w_1.0,fl_relative/fl_layer_apply,e_mask", "chelsea.png"),
    "blur_region": (f"w_{WIDTH}/e_blur_region:300,x_20,y_10,w_40,h_30", "chelsea.png"),
    "pixelate_region": (f"w_{WIDTH}/e_pixelate_region:8,x_20,y_10,w_40,h_30", "chelsea.png"),
    # The detector needs a face of some size: the effect on a crop around it, then the small render.
    "blur_faces": (f"c_crop,w_240,h_240,g_face/e_blur_faces/c_scale,w_{WIDTH}", "astronaut.png"),
    "pixelate_faces": (f"c_crop,w_240,h_240,g_face/e_pixelate_faces:12/c_scale,w_{WIDTH}", "astronaut.png"),
    "replace_color": (f"w_{WIDTH}/e_replace_color:maroon:60:rgb:2b38aa", "astronaut.png"),
    "trim": ("w_96/e_trim:20", "logo.png"),
    "make_transparent": ("w_96/e_make_transparent:20,co_white", "logo.png"),
}
# Not golden-tested: the background-removal model is its own test's subject (test_background_removal),
# and its output follows the model file, not libvips.
NOT_GOLDEN = frozenset({"background_removal"})


def effect_cases() -> list[Case]:
    cases = []
    for name, unit in sorted(EFFECTS.items()):
        if name in NOT_GOLDEN:
            continue
        text, photo = EFFECT_OVERRIDES.get(name, (f"w_{WIDTH}/{unit.example}", "chelsea.png"))
        cases.append(Case(f"e_{name}", text, photo))
    return cases


RESIZE_CASES = [
    Case("c_scale", "c_scale,w_96,h_96"),
    Case("c_scale_w", "c_scale,w_96"),
    Case("c_scale_relative", "c_scale,w_0.2"),
    Case("c_fit", "c_fit,w_96,h_96"),
    Case("c_limit", "c_limit,w_96,h_96"),
    Case("c_mfit", "w_60/c_mfit,w_96,h_96"),
    Case("c_fill", "c_fill,w_96,h_96"),
    Case("c_fill_south_east", "c_fill,w_96,h_48,g_south_east"),
    Case("c_fill_auto", "c_fill,w_64,h_96,g_auto"),
    Case("c_lfill", "c_lfill,w_96,h_64,g_west"),
    Case("c_pad", "c_pad,w_96,h_96,b_rgb:336699"),
    Case("c_pad_north", "c_pad,w_96,h_96,g_north,b_white"),
    Case("c_lpad", "w_60/c_lpad,w_96,h_96,b_black"),
    Case("c_crop", "w_240/c_crop,w_64,h_48"),
    Case("c_crop_offset", "w_240/c_crop,w_64,h_48,g_north_west,x_30,y_20"),
    Case("c_thumb", "c_thumb,w_96,h_96"),
    Case("c_thumb_face", "c_thumb,w_96,h_96,g_face", "astronaut.png"),
    Case("c_auto", "c_auto,w_96,h_64"),
    Case("c_fill_pad", "c_fill_pad,w_96,h_96,g_auto"),
    Case("ar", "c_fill,ar_16:9,w_96"),
    Case("dpr", "c_fill,w_48,h_48,dpr_2.0"),
    Case("a_45", "w_80/a_45,b_white"),
]

CASES = [*effect_cases(), *RESIZE_CASES]

configure_libvips()
_detector: FaceDetector | None = None


def _open_layer(image_id: str) -> tuple[Blob, Header]:
    if image_id != "logo":
        raise NotFound(f"No such overlay image: l_{image_id}", code="layer_not_found")
    blob = Blob(path=PHOTOS / "logo.png")
    return blob, read_header(blob, SourceLimits())


def rendered(transformation: str, photo: str) -> pyvips.Image:
    """The engine's PNG render of ``transformation`` on a shipped photo, decoded."""
    global _detector
    if _detector is None:
        _detector = FaceDetector()
    blob = Blob(path=PHOTOS / photo)
    out = render(blob, read_header(blob, SourceLimits()), parse(transformation), OutputFormat.PNG, Limits(),
                 open_layer=_open_layer, face_detector=_detector)
    return pyvips.Image.new_from_buffer(out.data, "")


def difference(expected: pyvips.Image, actual: pyvips.Image) -> float:
    """The worst BLOCK x BLOCK tile's mean absolute difference (0-255); infinite when the size or the
    bands differ."""
    if (expected.width, expected.height, expected.bands) != (actual.width, actual.height, actual.bands):
        return float("inf")
    diff = (expected.cast("float") - actual.cast("float")).abs()
    if diff.bands > 1:
        diff = diff.bandmean()
    return float(diff.shrink(BLOCK, BLOCK).max())
