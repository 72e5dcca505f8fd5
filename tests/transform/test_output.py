"""Output options: q_auto meets its perceptual targets, flags, metadata, colour profiles, PNG size."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import pyvips
from PIL import Image
from skimage.metrics import structural_similarity
from starlette.testclient import TestClient

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation
from imgorigin.transform import decode as decode_module
from imgorigin.transform.decode import is_srgb_profile
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.quality import TARGETS, auto_quality, ssim
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat
from tests.helpers import PHOTOS, Account, signed

configure_libvips()

SHIPPED = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"]


def rendered(blob: Blob, text: str, fmt: OutputFormat) -> bytes:
    header = read_header(blob, SourceLimits())
    return render(blob, header, parse(text), fmt, Limits()).data


def decode(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def reference_ssim(reference: pyvips.Image, candidate: pyvips.Image) -> float:
    """SSIM as scikit-image computes it (Wang et al.: 11-tap Gaussian, sigma 1.5), on 8-bit lightness:
    an implementation independent of the one q_auto searches with."""

    def grey(image: pyvips.Image) -> np.ndarray:
        lightness = image.colourspace("b-w")[0].cast("uchar")
        return np.ndarray(
            buffer=lightness.write_to_memory(), dtype=np.uint8, shape=(lightness.height, lightness.width)
        )

    return float(structural_similarity(
        grey(reference), grey(candidate), gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        data_range=255,
    ))


def lossless(blob: Blob, text: str = "") -> pyvips.Image:
    """The image as rendered, before any lossy encoder touched it."""
    return decode(rendered(blob, text, OutputFormat.PNG))


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("fmt", [OutputFormat.JPEG, OutputFormat.WEBP])
@pytest.mark.parametrize("level", ["best", "good", "low"])
def test_q_auto_meets_its_target_on_the_shipped_photos(name: str, fmt: OutputFormat, level: str) -> None:
    blob = Blob(path=PHOTOS / name)
    text = "q_auto" if level == "good" else f"q_auto:{level}"
    out = decode(rendered(blob, text, fmt))
    reference = lossless(blob)
    assert reference_ssim(reference, out) >= TARGETS[level]


@pytest.mark.parametrize("name", ["rocket.jpg", "hubble_deep_field.jpg"])
def test_q_auto_meets_its_target_in_avif(name: str) -> None:
    blob = Blob(path=PHOTOS / name)
    out = decode(rendered(blob, "q_auto:eco", OutputFormat.AVIF))
    assert reference_ssim(lossless(blob), out) >= TARGETS["eco"]


def test_q_auto_adapts_to_the_content() -> None:
    """A calm photo gets a lower quality than a field of stars and noise for the same target."""

    def chosen(name: str) -> int:
        image = lossless(Blob(path=PHOTOS / name)).copy_memory()
        return auto_quality(
            image, OutputFormat.JPEG, "good", lambda sample, q: bytes(sample.write_to_buffer(".jpg", Q=q))
        )

    calm, busy = chosen("rocket.jpg"), chosen("hubble_deep_field.jpg")
    assert calm < 85 < busy


def test_q_auto_levels_trade_bytes_for_fidelity() -> None:
    blob = Blob(path=PHOTOS / "coffee.png")
    sizes = [len(rendered(blob, f"q_auto:{level}", OutputFormat.JPEG)) for level in ("best", "good", "eco", "low")]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > 1.5 * sizes[-1]


def test_q_auto_searches_a_mosaic_of_big_images(tmp_path: Path) -> None:
    big = pyvips.Image.new_from_file(str(PHOTOS / "rocket.jpg")).resize(3.2)  # 2048 x 1366
    path = tmp_path / "big.png"
    big.write_to_file(str(path))
    blob = Blob(path=path)
    out = decode(rendered(blob, "q_auto", OutputFormat.JPEG))
    assert (out.width, out.height) == (big.width, big.height)
    assert reference_ssim(lossless(blob), out) >= TARGETS["good"]


def test_explicit_quality_still_wins() -> None:
    blob = Blob(path=PHOTOS / "rocket.jpg")
    assert len(rendered(blob, "q_20", OutputFormat.JPEG)) < len(rendered(blob, "q_90", OutputFormat.JPEG)) / 2


def test_q_auto_on_png_is_lossless() -> None:
    blob = Blob(path=PHOTOS / "logo.png")
    assert rendered(blob, "q_auto:low", OutputFormat.PNG) == rendered(blob, "", OutputFormat.PNG)


def test_fl_progressive_writes_a_progressive_jpeg_and_interlaced_png() -> None:
    blob = Blob(path=PHOTOS / "rocket.jpg")
    baseline = rendered(blob, "", OutputFormat.JPEG)
    progressive = rendered(blob, "fl_progressive", OutputFormat.JPEG)
    assert b"\xff\xc0" in baseline and b"\xff\xc2" not in baseline  # SOF0: baseline
    assert b"\xff\xc2" in progressive  # SOF2: progressive
    png = rendered(blob, "fl_progressive", OutputFormat.PNG)
    assert png[28] == 1  # IHDR interlace method: Adam7
    assert rendered(blob, "", OutputFormat.PNG)[28] == 0


@pytest.fixture
def tagged(tmp_path: Path) -> Blob:
    """A JPEG carrying EXIF copyright, XMP rights and an IPTC block."""
    image = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).copy()
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd0-Copyright", "Example Photographer")
    image.set_type(
        pyvips.GValue.blob_type, "xmp-data",
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:rights>Example Rights</dc:rights>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>",
    )
    image.set_type(
        pyvips.GValue.blob_type, "iptc-data",
        b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0f\x1c\x02t\x00\x0bExample Co.\x00",
    )
    path = tmp_path / "tagged.jpg"
    image.write_to_file(str(path))
    return Blob(path=path)


def test_metadata_is_stripped_by_default(tagged: Blob) -> None:
    data = rendered(tagged, "w_200", OutputFormat.JPEG)
    for marker in (b"Example Photographer", b"Example Rights", b"Example Co.", b"Exif\x00\x00"):
        assert marker not in data


def test_fl_keep_iptc_keeps_descriptive_metadata(tagged: Blob) -> None:
    data = rendered(tagged, "w_200,fl_keep_iptc", OutputFormat.JPEG)
    for marker in (b"Example Photographer", b"Example Rights", b"Example Co."):
        assert marker in data
    assert decode(data).width == 200


def test_cmyk_jpeg_is_converted_to_srgb(tmp_path: Path) -> None:
    colours = [[180, 90, 80], [90, 140, 100], [100, 120, 170], [200, 190, 120]]
    strip = pyvips.Image.arrayjoin(
        [pyvips.Image.black(20, 20).new_from_image(c).cast("uchar") for c in colours], across=4
    ).copy(interpretation="srgb")
    cmyk = strip.icc_transform("cmyk", input_profile="srgb")
    assert cmyk.interpretation == "cmyk" and cmyk.bands == 4
    path = tmp_path / "cmyk.jpg"
    cmyk.write_to_file(str(path), Q=98)
    out = decode(rendered(Blob(path=path), "", OutputFormat.PNG))
    assert out.bands == 3 and out.interpretation == "srgb"
    for index, colour in enumerate(colours):
        got = out(index * 20 + 10, 10)
        # CMYK cannot hold every sRGB colour exactly; well within a visible step is enough.
        assert all(abs(g - c) <= 14 for g, c in zip(got, colour, strict=True)), (got, colour)


def test_wide_gamut_image_is_converted_to_srgb(tmp_path: Path) -> None:
    red = pyvips.Image.black(16, 16).new_from_image([255, 0, 0]).cast("uchar").copy(interpretation="srgb")
    p3 = red.icc_transform("p3", input_profile="srgb")
    stored = p3(0, 0)
    assert stored[0] < 240 and stored[1] > 40  # the same red, written in Display P3 numbers
    path = tmp_path / "p3.png"
    p3.write_to_file(str(path))
    out = decode(rendered(Blob(path=path), "", OutputFormat.PNG))
    red_out, green_out, blue_out = out(8, 8)
    assert red_out >= 250 and green_out <= 6 and blue_out <= 6
    assert not out.get_typeof("icc-profile-data")  # converted, then the profile stripped


def profile_of(path: Path) -> bytes:
    return bytes(pyvips.Image.new_from_file(str(path)).get("icc-profile-data"))


def test_a_profile_is_srgb_by_what_it_does_not_by_its_name() -> None:
    hp_srgb = profile_of(PHOTOS / "hubble_deep_field.jpg")  # the 3,144-byte "sRGB IEC61966-2.1" most cameras embed
    adobe = profile_of(PHOTOS / "rocket.jpg")  # Adobe RGB (1998)
    assert b"sRGB" in hp_srgb and b"Adobe RGB" in adobe
    assert is_srgb_profile(hp_srgb)
    assert is_srgb_profile(bytes(pyvips.Operation.call("profile_load", "srgb")))
    assert not is_srgb_profile(adobe)
    assert not is_srgb_profile(bytes(pyvips.Operation.call("profile_load", "p3")))
    assert not is_srgb_profile(bytes(pyvips.Operation.call("profile_load", "cmyk")))
    # libvips ignores a truncated profile (the pixels stay as they are), so converting through it is a no-op too.
    assert is_srgb_profile(hp_srgb[:200])
    assert not is_srgb_profile(b"\x00" * 3144)
    assert not is_srgb_profile(b"")


def test_an_srgb_tagged_photo_renders_as_the_converted_one_would(monkeypatch: pytest.MonkeyPatch) -> None:
    blob = Blob(path=PHOTOS / "hubble_deep_field.jpg")
    calls: list[bytes] = []
    monkeypatch.setattr(decode_module, "_VERDICTS", {})
    monkeypatch.setattr(decode_module, "is_srgb_profile", lambda p: calls.append(p) or is_srgb_profile(p))
    skipped = [decode(rendered(blob, "c_fill,w_400,h_300", OutputFormat.PNG)) for _ in range(2)]
    assert len(calls) == 1  # the verdict is kept per profile
    monkeypatch.setattr(decode_module, "_already_srgb", lambda image: False)
    converted = decode(rendered(blob, "c_fill,w_400,h_300", OutputFormat.PNG))
    assert (skipped[0].cast("int") - converted.cast("int")).abs().max() <= 1
    assert skipped[0].write_to_memory() == skipped[1].write_to_memory()


def test_an_adobe_rgb_photo_is_still_converted() -> None:
    path = PHOTOS / "rocket.jpg"
    untagged = pyvips.Image.new_from_file(str(path))
    untagged.remove("icc-profile-data")
    raw = untagged.thumbnail_image(200).cast("int")
    out = decode(rendered(Blob(path=path), "w_200", OutputFormat.PNG)).cast("int")
    # Adobe RGB numbers read as sRGB look washed out; converted, saturated colours move by tens of levels.
    assert (out - raw).abs().max() > 20


@pytest.mark.parametrize("name", [*SHIPPED, "logo.png"])
def test_png_output_is_within_a_few_percent_of_pillows_default(name: str) -> None:
    blob = Blob(path=PHOTOS / name)
    ours = rendered(blob, "", OutputFormat.PNG)
    pixels = decode(ours)
    # Pillow saves exactly the pixels we wrote (as RGB or RGBA), with its default settings.
    mode = "RGBA" if pixels.bands == 4 else "RGB"
    buffer = io.BytesIO()
    Image.frombytes(mode, (pixels.width, pixels.height), pixels.write_to_memory()).save(buffer, "PNG")
    assert len(ours) <= 1.04 * len(buffer.getvalue())
    if name != "logo.png":  # flat artwork compresses well unfiltered; photos need the filters
        assert len(ours) < len(pixels.write_to_buffer(".png"))  # libvips' defaults


def test_output_flag_errors_are_exact() -> None:
    with pytest.raises(InvalidTransformation) as raised:
        parse("fl_attachment:bad.name")
    assert str(raised.value) == (
        "Invalid fl_attachment:bad.name: expected known flags joined by '.' "
        "(animated, attachment, awebp, keep_iptc, layer_apply, lossy, progressive, relative, strip_profile, tiled) "
        "for flags"
    )
    with pytest.raises(InvalidTransformation) as raised:
        parse("fl_attachment:a b")
    assert str(raised.value) == (
        "Invalid fl_attachment:a b: expected a file name of 1 to 100 letters, digits, '_' or '-' "
        "after fl_attachment: for flags"
    )


def test_fl_attachment_sets_content_disposition(client: TestClient, alice: Account) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    plain = client.get(signed("w_100", f"{image_id}.jpg"))
    assert plain.status_code == 200
    assert "content-disposition" not in plain.headers
    download = client.get(signed("w_100,fl_attachment", f"{image_id}.webp"))
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="{image_id}.webp"'
    named = client.get(signed("w_100/fl_attachment:launch_day", f"{image_id}.png"))
    assert named.headers["content-disposition"] == 'attachment; filename="launch_day.png"'
    assert decode(named.content).width == 100
    cached = client.get(signed("w_100/fl_attachment:launch_day", f"{image_id}.png"))
    assert cached.headers["x-cache"] == "HIT"
    assert cached.headers["content-disposition"] == 'attachment; filename="launch_day.png"'


def test_bad_output_flag_is_plain_400(client: TestClient, alice: Account) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    response = client.get(signed("fl_attachment:x.y", f"{image_id}.jpg"))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "fl_attachment:x.y" in response.text


@pytest.mark.parametrize("quality", [30, 60, 90])
def test_the_search_metric_agrees_with_scikit_image(quality: int) -> None:
    image = lossless(Blob(path=PHOTOS / "astronaut.png"))
    encoded = decode(bytes(image.write_to_buffer(".jpg", Q=quality)))
    ours, theirs = ssim(image, encoded), reference_ssim(image, encoded)
    assert ours == pytest.approx(theirs, abs=0.002)


def test_q_auto_on_an_animation_judges_the_first_frame(tmp_path: Path) -> None:
    photo = pyvips.Image.new_from_file(str(PHOTOS / "chelsea.png")).crop(0, 0, 200, 150)
    frames = [photo, photo.flip("horizontal"), photo.invert()]
    strip = pyvips.Image.arrayjoin(frames, across=1).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", 150)
    path = tmp_path / "anim.webp"
    strip.write_to_file(str(path), lossless=True)
    out = pyvips.Image.new_from_buffer(rendered(Blob(path=path), "q_auto", OutputFormat.WEBP), "", n=-1)
    assert out.get("n-pages") == 3
    first = out.crop(0, 0, 200, 150)
    assert reference_ssim(photo, first) >= TARGETS["good"]


def test_q_auto_past_the_memory_budget_falls_back_to_the_default_quality(monkeypatch: pytest.MonkeyPatch) -> None:
    from imgorigin.transform import quality

    blob = Blob(path=PHOTOS / "rocket.jpg")
    monkeypatch.setattr(quality, "MAX_SEARCH_PIXELS", 1000)
    assert rendered(blob, "q_auto:low", OutputFormat.JPEG) == rendered(blob, "", OutputFormat.JPEG)


@pytest.mark.parametrize(
    ("transformation", "media_type"),
    [
        ("w_100", "image/jpeg"),
        ("w_100,r_max", "image/png"),
        ("w_100/o_60", "image/png"),
        ("w_100,bo_2px_solid_rgb:00000080", "image/png"),
        ("w_100,bo_2px_solid_black", "image/jpeg"),
    ],
)
def test_f_auto_never_sends_new_transparency_as_jpeg(
    client: TestClient, alice: Account, transformation: str, media_type: str
) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    response = client.get(signed(f"{transformation}/f_auto", f"{image_id}.jpg"), headers={"Accept": "image/*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"] == "Accept"
    if media_type == "image/png":
        assert decode(response.content).hasalpha()
