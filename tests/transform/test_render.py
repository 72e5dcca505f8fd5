"""Each parameter's effect on real pixels, rendered through the engine (no HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat
from tests.helpers import PHOTOS
from tests.imaging import as_rgb

configure_libvips()


def make_source(tmp_path: Path, image: pyvips.Image, name: str = "src.png", **save: object) -> Blob:
    path = tmp_path / name
    image.write_to_file(str(path), **save)
    return Blob(path=path)


def run(blob: Blob, text: str, fmt: OutputFormat = OutputFormat.PNG, limits: Limits | None = None) -> pyvips.Image:
    header = read_header(blob, SourceLimits())
    rendered = render(blob, header, parse(text), fmt, limits or Limits())
    return as_rgb(pyvips.Image.new_from_buffer(rendered.data, ""))


@pytest.fixture
def quadrants(tmp_path: Path) -> Blob:
    """400x300: red top-left, green top-right, blue bottom-left, white bottom-right."""

    def block(rgb: list[int]) -> pyvips.Image:
        return (pyvips.Image.black(200, 150) + rgb).cast("uchar")

    top = block([255, 0, 0]).join(block([0, 255, 0]), "horizontal")
    bottom = block([0, 0, 255]).join(block([255, 255, 255]), "horizontal")
    return make_source(tmp_path, top.join(bottom, "vertical"))


@pytest.fixture
def big_photo(tmp_path: Path) -> Blob:
    photo = pyvips.Image.new_from_file(str(PHOTOS / "rocket.jpg")).resize(4000 / 640, vscale=3000 / 427)
    return make_source(tmp_path, photo, "big.jpg", Q=85)


def pixel(image: pyvips.Image, x: int, y: int) -> list[int]:
    return [round(v) for v in image(x, y)]


def close(actual: list[int], expected: list[int], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def test_identity_keeps_size_and_pixels(quadrants: Blob) -> None:
    out = run(quadrants, "")
    assert (out.width, out.height) == (400, 300)
    assert close(pixel(out, 10, 10), [255, 0, 0])
    assert close(pixel(out, 390, 290), [255, 255, 255])


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("c_fit,w_300,h_200", (267, 200)),
        ("c_fill,w_300,h_200", (300, 200)),
        ("c_limit,w_8000", (4000, 3000)),
        ("c_pad,w_300,h_300,b_blue", (300, 300)),
        ("w_0.1", (400, 300)),
        ("c_thumb,g_auto,w_120,h_120", (120, 120)),
        ("c_crop,w_500,h_400,g_south_east", (500, 400)),
        ("w_300,dpr_2.0", (600, 450)),
    ],
)
def test_sizes_on_a_4000x3000_original(big_photo: Blob, text: str, size: tuple[int, int]) -> None:
    out = run(big_photo, text, OutputFormat.JPEG)
    assert (out.width, out.height) == size


def test_pad_bands_have_the_background_colour(big_photo: Blob) -> None:
    out = run(big_photo, "c_pad,w_300,h_300,b_blue", OutputFormat.JPEG)
    # 300x225 image centred: bands of 37/38 rows above and below
    assert close(pixel(out, 150, 5), [0, 0, 255], 20)
    assert close(pixel(out, 150, 295), [0, 0, 255], 20)
    assert not close(pixel(out, 150, 150), [0, 0, 255], 60)


def test_pad_without_background(quadrants: Blob, tmp_path: Path) -> None:
    opaque = run(quadrants, "c_pad,w_400,h_400")
    assert opaque.bands == 3
    assert close(pixel(opaque, 200, 10), [255, 255, 255], 0)  # white bands, as Cloudinary
    logo = make_source(tmp_path, with_alpha_hole(), "logo.png")
    padded = run(logo, "c_pad,w_500,h_600")
    assert padded.bands == 4
    assert pixel(padded, 250, 10)[3] == 0  # an image with alpha gets transparent bands


def test_fill_gravity_keeps_the_right_part(quadrants: Blob) -> None:
    west = run(quadrants, "c_fill,w_100,h_300,g_west")
    east = run(quadrants, "c_fill,w_100,h_300,g_east")
    assert close(pixel(west, 50, 10), [255, 0, 0])
    assert close(pixel(east, 50, 10), [0, 255, 0])
    assert close(pixel(east, 50, 290), [255, 255, 255])


def test_crop_takes_original_pixels(quadrants: Blob) -> None:
    out = run(quadrants, "c_crop,w_100,h_100,x_250,y_170")
    assert (out.width, out.height) == (100, 100)
    assert close(pixel(out, 50, 50), [255, 255, 255], 0)
    south_west = run(quadrants, "c_crop,w_50,h_50,g_south_west")
    assert close(pixel(south_west, 25, 25), [0, 0, 255], 0)


def test_relative_sizes(quadrants: Blob) -> None:
    out = run(quadrants, "w_0.5,h_0.25")
    assert (out.width, out.height) == (200, 75)


def test_aspect_ratio_with_fill(quadrants: Blob) -> None:
    out = run(quadrants, "ar_1:1,c_fill,w_150")
    assert (out.width, out.height) == (150, 150)


def test_rotate_by_right_angles(quadrants: Blob) -> None:
    out = run(quadrants, "a_90")
    assert (out.width, out.height) == (300, 400)
    # clockwise: the bottom-left (blue) quadrant moves to the top-left
    assert close(pixel(out, 10, 10), [0, 0, 255])
    assert close(pixel(run(quadrants, "a_180"), 10, 10), [255, 255, 255])
    assert close(pixel(run(quadrants, "a_-90"), 10, 10), [0, 255, 0])


def test_rotate_any_angle_fills_corners(quadrants: Blob) -> None:
    out = run(quadrants, "a_45")
    assert out.width > 400 and out.height > 300
    assert pixel(out, 0, 0)[3] == 0  # PNG: transparent corners
    jpeg = run(quadrants, "a_45,b_rgb:00ff00", OutputFormat.JPEG)
    assert close(pixel(jpeg, 1, 1), [0, 255, 0], 30)


def test_flips(quadrants: Blob) -> None:
    assert close(pixel(run(quadrants, "a_hflip"), 10, 10), [0, 255, 0])
    assert close(pixel(run(quadrants, "a_vflip"), 10, 10), [0, 0, 255])


def test_grayscale_makes_r_equal_g_equal_b(tmp_path: Path) -> None:
    blob = make_source(tmp_path, pyvips.Image.new_from_file(str(PHOTOS / "coffee.png")))
    out = run(blob, "e_grayscale")
    assert out.bands == 3
    for x, y in [(10, 10), (300, 200), (500, 350), (123, 321)]:
        r, g, b = pixel(out, x, y)
        assert r == g == b
    assert out.deviate() > 10  # still an image, not a flat grey


def test_sepia_tones_towards_brown(quadrants: Blob) -> None:
    out = run(quadrants, "e_sepia:100")
    r, g, b = pixel(out, 390, 290)  # white becomes warm: R > G >= B
    assert r > g >= b
    blue = pixel(out, 10, 290)
    assert blue[0] > blue[2] - 40  # pure blue loses its blueness
    weak = run(quadrants, "e_sepia:10")
    assert close(pixel(weak, 390, 290), [255, 255, 255], 30)


def test_chained_components_apply_in_order(quadrants: Blob) -> None:
    out = run(quadrants, "c_crop,g_north_west,w_200,h_150/a_90/w_0.5")
    assert (out.width, out.height) == (75, 100)
    assert close(pixel(out, 30, 40), [255, 0, 0])


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    base = pyvips.Image.new_from_file(str(PHOTOS / "rocket.jpg")).copy()
    base.set_type(pyvips.GValue.gint_type, "orientation", 6)
    blob = make_source(tmp_path, base, "rotated.jpg")
    header = read_header(blob, SourceLimits())
    assert (header.width, header.height) == (427, 640)
    assert (run(blob, "", OutputFormat.JPEG).width, run(blob, "", OutputFormat.JPEG).height) == (427, 640)
    thumb = run(blob, "w_100", OutputFormat.JPEG)
    assert (thumb.width, thumb.height) == (100, 150)
    ignored = run(blob, "a_ignore/w_100", OutputFormat.JPEG)
    assert (ignored.width, ignored.height) == (100, 67)
    # a_ignore sizes against the stored (landscape) pixels: c_fit into 200x200 keeps their 640x427 ratio
    fitted = run(blob, "a_ignore,c_fit,w_200,h_200", OutputFormat.JPEG)
    assert (fitted.width, fitted.height) == (200, 133)
    filled = run(blob, "a_ignore,c_fill,w_200,h_100", OutputFormat.PNG)
    assert (filled.width, filled.height) == (200, 100)
    reference = run(blob, "a_ignore", OutputFormat.PNG).resize(200 / 640)
    top = reference.crop(0, (reference.height - 100) // 2, 200, 100)
    assert (filled.cast("float") - top.cast("float")).abs().avg() < 12  # the same pixels, not stretched


def with_alpha_hole() -> pyvips.Image:
    """The logo with a transparent left half (the shipped logo's alpha is fully opaque)."""
    logo = pyvips.Image.new_from_file(str(PHOTOS / "logo.png"))
    alpha = (pyvips.Image.black(250, 500).join(pyvips.Image.black(250, 500) + 255, "horizontal")).cast("uchar")
    return logo.extract_band(0, n=3).bandjoin(alpha)


def test_output_formats_and_alpha(tmp_path: Path) -> None:
    blob = make_source(tmp_path, with_alpha_hole())
    for fmt, loader in [
        (OutputFormat.PNG, "pngload"),
        (OutputFormat.WEBP, "webpload"),
        (OutputFormat.JPEG, "jpegload"),
        (OutputFormat.AVIF, "heifload"),
        (OutputFormat.GIF, "gifload"),
        (OutputFormat.TIFF, "tiffload"),
    ]:
        out = run(blob, "w_100", fmt)
        assert out.get("vips-loader").startswith(loader), fmt
        assert out.width == 100
        assert out.hasalpha() == (fmt is not OutputFormat.JPEG)
    # JPEG flattens transparency onto white by default, or onto b_
    jpeg = run(blob, "w_100", OutputFormat.JPEG)
    assert close(pixel(jpeg, 1, 1), [255, 255, 255], 8)
    black = run(blob, "w_100,b_black", OutputFormat.JPEG)
    assert close(pixel(black, 1, 1), [0, 0, 0], 8)


def test_quality_changes_size(big_photo: Blob) -> None:
    header = read_header(big_photo, SourceLimits())
    low = render(big_photo, header, parse("w_800/q_20"), OutputFormat.JPEG, Limits())
    high = render(big_photo, header, parse("w_800/q_95"), OutputFormat.JPEG, Limits())
    assert len(low.data) * 2 < len(high.data)


def test_metadata_is_stripped(tmp_path: Path) -> None:
    image = pyvips.Image.new_from_file(str(PHOTOS / "hubble_deep_field.jpg"))
    assert image.get_typeof("exif-data")
    out = run(Blob(path=PHOTOS / "hubble_deep_field.jpg"), "w_100", OutputFormat.JPEG)
    assert not out.get_typeof("exif-data")


def test_output_size_cap(quadrants: Blob) -> None:
    with pytest.raises(InvalidTransformation, match=r"^The result would be 4000x3000 pixels; the limit is 1000"):
        run(quadrants, "w_10.0", limits=Limits(max_output_side=1000))
