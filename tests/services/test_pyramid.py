"""Upload-time pyramid: which levels exist, which one a render reads, and that renders stay equivalent."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.blob import Blob
from imgorigin.cli.main import main
from imgorigin.errors import Unprocessable
from imgorigin.services.pyramid import build_missing, stored_header
from imgorigin.services.wiring import Services
from imgorigin.storage import header_key, original_key, pyramid_key
from imgorigin.transform.decode import normalise
from imgorigin.transform.levels import PyramidPolicy, build_levels, level_size
from imgorigin.transform.source import Header, SourceLimits, read_header
from tests.helpers import PHOTOS, AppClient, make_settings, register, services_of, settle_levels
from tests.imaging import decode, mean_abs_diff, photo_mosaic, ssim

# Renders from a level against renders from the original, on the shipped photos (upscaled mosaic).
MIN_SSIM = 0.99
MAX_MEAN_ABS_DIFF = 1.5
# Lossy outputs: the level path may lose at most this much more SSIM than the codec itself loses.
CODEC_SLACK = 0.005


def header(width: int, height: int, *, pages: int = 1, orientation: int = 1) -> Header:
    return Header("jpeg", width, height, pages, False, orientation)


def test_small_animated_and_vector_originals_get_no_levels() -> None:
    policy = PyramidPolicy()
    assert policy.level_sizes(header(1920, 1080)) == {}
    assert policy.level_sizes(header(4000, 3000, pages=3)) == {}
    assert policy.level_sizes(Header("svg", 4000, 3000, 1, True, 1)) == {}


def test_big_originals_get_an_eighth_and_a_half() -> None:
    assert PyramidPolicy().level_sizes(header(4000, 3000)) == {8: (500, 375), 2: (2000, 1500)}
    assert level_size((4001, 2999), 8) == (500, 375)


@pytest.mark.parametrize(
    ("scaled", "expected"),
    [
        ((300, 225), [8, 2]),  # 1/8 level (500x375) is 1.67x the output
        ((334, 250), [2]),  # 1/8 would leave less than the 1.5x margin
        ((1333, 1000), [2]),
        ((1334, 1000), []),  # too close to the 1/2 level: read the original
        ((5000, 3750), []),  # never upscale a level
        ((300, 2000), []),  # a tall crop source needs the full height
    ],
)
def test_choose_picks_the_smallest_level_with_the_margin(
    scaled: tuple[int, int], expected: list[int]
) -> None:
    assert PyramidPolicy().choose(header(4000, 3000), scaled) == expected


def test_levels_are_upright_srgb_and_stripped(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    path.write_bytes(photo_mosaic(2400, 1800, orientation=6))
    blob = Blob(path=path)
    head = read_header(blob, SourceLimits())
    assert head.size == (1800, 2400)
    levels = build_levels(blob, head, PyramidPolicy())
    assert set(levels) == {2, 8}
    for denominator, data in levels.items():
        level = decode(data)
        assert (level.width, level.height) == level_size((1800, 2400), denominator)
        assert level.get("vips-loader") == "jpegload_buffer"
        assert level.interpretation == "srgb"
        assert not level.get_typeof("orientation") or level.get("orientation") == 1
        assert not level.get_typeof("exif-data")


def test_alpha_levels_keep_alpha(tmp_path: Path) -> None:
    path = tmp_path / "cutout.png"
    path.write_bytes(photo_mosaic(2400, 1600, alpha=True))
    blob = Blob(path=path)
    levels = build_levels(blob, read_header(blob, SourceLimits()), PyramidPolicy())
    level = decode(levels[8])
    assert level.bands == 4 and level.get("vips-loader") == "pngload_buffer"
    # the alpha ramp survives: transparent on the left, opaque on the right
    assert level[3].crop(0, 0, 10, level.height).avg() < 10
    assert level[3].crop(level.width - 10, 0, 10, level.height).avg() > 245


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    with AppClient(make_settings(tmp_path, cache_size=0, allow_unsigned=True)) as client:
        yield client


def upload(client: TestClient, data: bytes, name: str = "big.jpg", *, settle: bool = True) -> str:
    """Upload as a new user; with ``settle``, return once the levels the upload left for later exist."""
    account = register(client, "pyr")
    response = client.post("/images", headers=account.headers,
                           files={"file": (name, io.BytesIO(data), "application/octet-stream")})
    assert response.status_code == 201, response.text
    image_id = str(response.json()["id"])
    if settle:
        settle_levels(client, image_id)
    return image_id


def replace_level(
    services: Services, image_id: str, denominator: int, tmp_path: Path, rgb: list[int]
) -> None:
    """Overwrite a level with a flat colour of the same size: a render that reads it shows the colour."""
    blob = services.storage.get(pyramid_key(image_id, denominator))
    assert blob is not None
    level = decode(blob.data) if blob.data is not None else pyvips.Image.new_from_file(str(blob.path))
    flat = (pyvips.Image.black(level.width, level.height) + rgb).cast("uchar").copy(interpretation="srgb")
    path = tmp_path / f"flat-{denominator}.jpg"
    flat.write_to_file(str(path))
    services.storage.put(pyramid_key(image_id, denominator), path)


def mean_rgb(data: bytes) -> list[float]:
    image = decode(data)
    return [image[band].avg() for band in range(3)]


def test_upload_stores_levels_and_delete_removes_them(app_client: TestClient) -> None:
    image_id = upload(app_client, photo_mosaic(2400, 1800))
    storage = services_of(app_client).storage
    assert storage.exists(pyramid_key(image_id, 8)) and storage.exists(pyramid_key(image_id, 2))
    account_headers = {"Authorization": f"Bearer {register(app_client, 'other').token}"}
    assert app_client.delete(f"/images/{image_id}", headers=account_headers).status_code == 404
    assert storage.exists(pyramid_key(image_id, 8))
    login = {"username": "pyr", "password": "correct horse battery"}
    token = app_client.post("/login", json=login).json()["token"]
    owner = {"Authorization": f"Bearer {token}"}
    assert app_client.delete(f"/images/{image_id}", headers=owner).status_code == 204
    assert not storage.exists(pyramid_key(image_id, 8))
    assert not storage.exists(pyramid_key(image_id, 2))
    assert not storage.exists(original_key(image_id))
    assert not storage.exists(header_key(image_id))


def test_the_header_stored_with_the_levels_is_checked_against_todays_caps(
    app_client: TestClient, tmp_path: Path
) -> None:
    image_id = upload(app_client, photo_mosaic(2400, 1800, orientation=6))
    storage = services_of(app_client).storage
    assert stored_header(storage, image_id, SourceLimits()) == Header("jpeg", 1800, 2400, 1, False, 6)
    with pytest.raises(Unprocessable, match="the limit is 1 MP"):
        stored_header(storage, image_id, SourceLimits(max_pixels=1_000_000))
    for junk in (b"{not json", b'{"format": "jpeg"}', b'{"format": "jpeg", "width": "1800", "height": 2400,'
                 b' "pages": 1, "has_alpha": false, "orientation": 6}'):
        path = tmp_path / "junk"
        path.write_bytes(junk)
        storage.put(header_key(image_id), path)
        assert stored_header(storage, image_id, SourceLimits()) is None
        rendered = app_client.get(f"/t/w_150/{image_id}.png")  # the original's own header instead
        assert (decode(rendered.content).width, decode(rendered.content).height) == (150, 200)


def test_a_damaged_big_upload_is_refused_and_stores_nothing(app_client: TestClient) -> None:
    whole = photo_mosaic(2400, 1800)
    data = whole[: len(whole) * 2 // 3]  # cut short: big enough for levels, so the check must refuse it
    account = register(app_client, "broken")
    response = app_client.post("/images", headers=account.headers,
                               files={"file": ("big.jpg", io.BytesIO(data), "application/octet-stream")})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "corrupt_image"
    storage = services_of(app_client).storage
    assert list(storage.keys("originals")) == [] and list(storage.keys("pyramid")) == []


def test_small_uploads_store_no_levels(app_client: TestClient) -> None:
    image_id = upload(app_client, (PHOTOS / "rocket.jpg").read_bytes())
    assert not services_of(app_client).storage.exists(pyramid_key(image_id, 8))


def test_renders_read_the_smallest_sufficient_level(app_client: TestClient, tmp_path: Path) -> None:
    image_id = upload(app_client, photo_mosaic(2400, 1800))
    services = services_of(app_client)
    replace_level(services, image_id, 8, tmp_path, [255, 0, 0])
    replace_level(services, image_id, 2, tmp_path, [0, 0, 255])
    small = app_client.get(f"/t/w_150/{image_id}.png")  # 1/8 level is 300 wide: 2x
    assert small.status_code == 200
    red, green, blue = mean_rgb(small.content)
    assert red > 250 and green < 5 and blue < 5
    medium = app_client.get(f"/t/w_600/{image_id}.png")  # too big for 1/8, fine for 1/2 (1200)
    assert mean_rgb(medium.content)[2] > 250
    large = app_client.get(f"/t/w_1000/{image_id}.png")  # 1200 / 1000 < margin: the original
    crop = app_client.get(f"/t/c_crop,w_200,h_100/{image_id}.png")  # crops need the original's pixels
    for response in (large, crop):
        assert response.status_code == 200
        assert min(mean_rgb(response.content)) > 50  # photo colours, neither flat level


def test_levels_are_not_used_when_exif_orientation_is_ignored(app_client: TestClient, tmp_path: Path) -> None:
    image_id = upload(app_client, photo_mosaic(2400, 1800, orientation=6))
    replace_level(services_of(app_client), image_id, 8, tmp_path, [255, 0, 0])
    upright = app_client.get(f"/t/w_150/{image_id}.png")
    assert (decode(upright.content).width, decode(upright.content).height) == (150, 200)
    assert mean_rgb(upright.content)[0] > 250
    raw = app_client.get(f"/t/a_ignore,w_150/{image_id}.png")
    assert raw.status_code == 200, raw.text
    assert min(mean_rgb(raw.content)) > 50  # photo colours: the stored pixels, not the upright level


def _render_pair(tmp_path: Path, transformation: str, ext: str, data: bytes) -> tuple[bytes, bytes]:
    """The same URL rendered by an origin with the pyramid and by one without it."""
    out = []
    for pyramid in (True, False):
        settings = make_settings(tmp_path / str(pyramid), cache_size=0, pyramid=pyramid, allow_unsigned=True)
        with AppClient(settings) as client:
            image_id = upload(client, data)
            response = client.get(f"/t/{transformation}/{image_id}.{ext}")
            assert response.status_code == 200, response.text
            out.append(response.content)
    return out[0], out[1]


@pytest.mark.parametrize(
    "transformation", ["w_300", "c_fill,w_400,h_300", "w_600/e_grayscale", "c_thumb,w_200,h_200", "h_500"]
)
def test_pyramid_renders_match_original_renders(tmp_path: Path, transformation: str) -> None:
    """Lossless output, so only the pixel pipeline differs: same size, SSIM and mean difference bounded."""
    data = photo_mosaic(2400, 1800, orientation=6)
    with_levels, without = _render_pair(tmp_path, transformation, "png", data)
    a, b = decode(with_levels), decode(without)
    assert (a.width, a.height, a.bands) == (b.width, b.height, b.bands)
    assert ssim(a, b) >= MIN_SSIM
    assert mean_abs_diff(a, b) <= MAX_MEAN_ABS_DIFF


@pytest.mark.parametrize("ext", ["jpg", "webp", "avif"])
def test_pyramid_difference_is_within_the_codecs_own_loss(tmp_path: Path, ext: str) -> None:
    """A lossy render from a level is as close to the lossless original-path render as the codec allows."""
    data = photo_mosaic(2400, 1800)
    reference = decode(_render_pair(tmp_path / "png", "c_fill,w_400,h_300", "png", data)[1])
    with_levels, without = (decode(x) for x in _render_pair(tmp_path / ext, "c_fill,w_400,h_300", ext, data))
    assert (with_levels.width, with_levels.height) == (without.width, without.height) == (400, 300)
    assert ssim(with_levels, reference) >= ssim(without, reference) - CODEC_SLACK


def test_originals_without_levels_still_render_and_build_adds_them(
    app_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_id = upload(app_client, photo_mosaic(2400, 1800))
    services = services_of(app_client)
    for denominator in (2, 8):
        services.storage.delete(pyramid_key(image_id, denominator))
    response = app_client.get(f"/t/w_300/{image_id}.jpg")
    assert response.status_code == 200
    assert decode(response.content).width == 300

    seen, written = build_missing(services.storage, SourceLimits(), PyramidPolicy(), tmp_path / "work")
    assert (seen, written) == (1, 2)
    assert services.storage.exists(pyramid_key(image_id, 8))
    assert build_missing(services.storage, SourceLimits(), PyramidPolicy(), tmp_path / "work") == (1, 0)


def test_pyramid_build_command(app_client: TestClient, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    services = services_of(app_client)
    image_id = upload(app_client, photo_mosaic(2400, 1800))
    services.storage.delete(pyramid_key(image_id, 2))
    monkeypatch.setenv("IMGORIGIN_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("IMGORIGIN_URL_SECRET", services.settings.signing_secret)  # none in the data directory
    monkeypatch.setenv("IMGORIGIN_JWT_SECRET", services.settings.jwt_secret)
    assert main(["pyramid", "build"]) == 0
    assert "1 originals checked, 2 levels written" in capsys.readouterr().out
    assert services.storage.exists(pyramid_key(image_id, 2))


def test_png_originals_get_a_lossless_full_size_copy() -> None:
    policy = PyramidPolicy()
    small = Header("png", 1200, 800, 1, True, 1)
    assert policy.level_sizes(small) == {1: (1200, 800)}
    assert policy.choose(small, (600, 400)) == [1]
    assert policy.choose(small, (1200, 800)) == [1]  # same size: crops and effects read it too
    assert policy.choose(small, (1300, 900)) == []
    big = Header("png", 4000, 3000, 1, False, 1)
    assert policy.choose(big, (300, 225)) == [8, 2, 1]
    assert policy.level_sizes(header(1200, 800)) == {}  # JPEG decodes with shrink-on-load instead


def test_full_size_copy_has_the_originals_pixels_and_decodes_without_inflate(tmp_path: Path) -> None:
    path = tmp_path / "cutout.png"
    path.write_bytes(photo_mosaic(1200, 800, alpha=True))
    blob = Blob(path=path)
    levels = build_levels(blob, read_header(blob, SourceLimits()), PyramidPolicy())
    assert set(levels) == {1}
    # what every render reads: the original converted to sRGB with its profile
    copy, original = decode(levels[1]), normalise(pyvips.Image.new_from_file(str(path)))
    assert (copy.width, copy.height, copy.bands) == (1200, 800, 4)
    assert mean_abs_diff(copy, original) == 0
    assert len(levels[1]) <= 2 * path.stat().st_size


def test_no_full_size_copy_when_it_would_be_much_bigger(tmp_path: Path) -> None:
    path = tmp_path / "flat.png"
    pyvips.Image.black(1000, 1000, bands=3).write_to_file(str(path))  # compresses ~1000x
    blob = Blob(path=path)
    assert build_levels(blob, read_header(blob, SourceLimits()), PyramidPolicy()) == {}


def test_png_crops_read_the_full_size_copy_and_match(app_client: TestClient, tmp_path: Path) -> None:
    data = photo_mosaic(1200, 800, alpha=True)
    image_id = upload(app_client, data, "cutout.png")
    services = services_of(app_client)
    assert services.storage.exists(pyramid_key(image_id, 1))
    with_copy = app_client.get(f"/t/c_crop,w_600,h_400/e_grayscale/{image_id}.png").content
    services.storage.delete(pyramid_key(image_id, 1))
    without = app_client.get(f"/t/c_crop,w_600,h_400/e_grayscale/{image_id}.png").content
    assert mean_abs_diff(decode(with_copy), decode(without)) == 0  # lossless: the same pixels

    flat = tmp_path / "flat.png"
    red_image = pyvips.Image.black(1200, 800, bands=4).add([255, 0, 0, 255]).cast("uchar")
    red_image.copy(interpretation="srgb").write_to_file(str(flat))
    services.storage.put(pyramid_key(image_id, 1), flat)
    red = decode(app_client.get(f"/t/c_crop,w_600,h_400/{image_id}.png").content)
    assert red[0].avg() > 250 and red[1].avg() < 5
