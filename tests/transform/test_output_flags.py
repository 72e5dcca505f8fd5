"""fl_lossy, fl_strip_profile, fl_progressive:semi|steep|none, fl_animated and fl_awebp."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation
from imgorigin.services.renderer import final_format
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, read_header
from imgorigin.transform.values import AutoFormat, OutputFormat
from tests.helpers import PHOTOS
from tests.transform.parsing import assert_canonical, assert_refused

ROCKET = Blob(path=PHOTOS / "rocket.jpg")
LOGO = Blob(path=PHOTOS / "logo.png")


def rendered(blob: Blob, text: str, fmt: OutputFormat, *, auto: bool = False) -> bytes:
    header = read_header(blob, SourceLimits())
    return render(blob, header, parse(text), fmt, Limits(), auto_format=auto).data


def scans(jpeg: bytes) -> int:
    return jpeg.count(b"\xff\xda")  # start-of-scan markers


def test_progressive_modes() -> None:
    baseline = rendered(ROCKET, "fl_progressive:none", OutputFormat.JPEG)
    assert b"\xff\xc0" in baseline and scans(baseline) == 1
    plain = rendered(ROCKET, "fl_progressive", OutputFormat.JPEG)
    steep = rendered(ROCKET, "fl_progressive:steep", OutputFormat.JPEG)
    semi = rendered(ROCKET, "fl_progressive:semi", OutputFormat.JPEG)
    assert b"\xff\xc2" in plain and b"\xff\xc2" in steep and b"\xff\xc2" in semi
    assert scans(steep) == scans(plain) > 1
    assert semi != steep and len(semi) <= len(steep)  # the encoder's own scan choice, for size
    assert rendered(ROCKET, "fl_progressive:none", OutputFormat.PNG)[28] == 0  # not interlaced


def test_f_auto_keeps_png_and_gif_originals_lossless_unless_fl_lossy() -> None:
    exact = rendered(LOGO, "w_200", OutputFormat.WEBP, auto=True)
    assert exact[12:16] == b"VP8L"  # lossless WebP
    lossy = rendered(LOGO, "w_200,fl_lossy", OutputFormat.WEBP, auto=True)
    assert lossy[12:16] == b"VP8 "
    assert rendered(LOGO, "w_200", OutputFormat.WEBP)[12:16] == b"VP8 "  # an explicit f_webp is lossy
    assert rendered(ROCKET, "w_200", OutputFormat.WEBP, auto=True)[12:16] == b"VP8 "  # photos too
    png, jpeg = read_header(LOGO, SourceLimits()), read_header(ROCKET, SourceLimits())
    assert final_format(AutoFormat.AVIF, png, parse("w_200")) is OutputFormat.WEBP
    assert final_format(AutoFormat.AVIF, png, parse("w_200,fl_lossy")) is OutputFormat.AVIF
    assert final_format(AutoFormat.AVIF, jpeg, parse("w_200")) is OutputFormat.AVIF


def animation(tmp_path: Path) -> Blob:
    """Four frames of one photo, each with its own light grain (as a camera's video would have)."""
    photo = pyvips.Image.thumbnail(str(PHOTOS / "chelsea.png"), 120, height=80, crop="centre")
    frames = [(photo + pyvips.Image.gaussnoise(120, 80, sigma=2, seed=i)).cast("uchar") for i in range(4)]
    strip = pyvips.Image.arrayjoin(frames, across=1).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", 80)
    path = tmp_path / "noise.gif"
    strip.write_to_file(str(path))
    return Blob(path=path)


def test_fl_lossy_shrinks_a_gif(tmp_path: Path) -> None:
    blob = animation(tmp_path)
    assert len(rendered(blob, "fl_lossy", OutputFormat.GIF)) < 0.9 * len(rendered(blob, "", OutputFormat.GIF))


def test_fl_animated_refuses_to_flatten_an_animation(tmp_path: Path) -> None:
    blob = animation(tmp_path)
    for text, fmt in (("fl_animated", OutputFormat.JPEG), ("fl_awebp", OutputFormat.PNG)):
        with pytest.raises(InvalidTransformation) as raised:
            rendered(blob, text, fmt)
        flag = text.removeprefix("fl_")
        assert str(raised.value) == (
            f"fl_{flag} keeps the animation, which {fmt.value.upper()} cannot hold: use f_gif, f_webp or f_auto"
        )
    out = pyvips.Image.new_from_buffer(rendered(blob, "fl_animated", OutputFormat.WEBP), "", n=-1)
    assert out.get("n-pages") == 4
    assert rendered(ROCKET, "fl_animated", OutputFormat.JPEG)[:2] == b"\xff\xd8"  # a still stays a still


def test_fl_strip_profile_outputs_carry_no_profile(tmp_path: Path) -> None:
    tagged = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).icc_transform("p3", embedded=False)
    path = tmp_path / "p3.jpg"
    tagged.write_to_file(str(path))
    blob = Blob(path=path)
    assert pyvips.Image.new_from_file(str(path)).get_typeof("icc-profile-data")
    for text in ("fl_strip_profile", "fl_keep_iptc.strip_profile"):
        out = pyvips.Image.new_from_buffer(rendered(blob, text, OutputFormat.JPEG), "")
        assert not out.get_typeof("icc-profile-data"), text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fl_progressive:fast", "Invalid fl_progressive:fast: expected semi, steep or none after fl_progressive: for flags"),
        ("fl_lossy:5", "Invalid fl_lossy:5: expected no value after fl_lossy: for flags"),
        ("l_logo,fl_animated/fl_layer_apply", "fl_animated applies to the whole image, not inside an overlay (l_logo,fl_animated)"),
    ],
)
def test_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("fl_progressive:semi", "fl_progressive:semi"), ("fl_strip_profile.lossy", "fl_lossy.strip_profile"),
     ("fl_awebp,f_auto", "f_auto,fl_awebp")],
)
def test_canonical_forms(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)
