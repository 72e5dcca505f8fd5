"""Every file of the hostile corpus through the real app: the exact outcome, then a health check."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.errors import UnsupportedMediaType
from imgorigin.transform.source import SourceLimits, _loader_format
from tests.helpers import TEST_URL_SECRET, Account, services_of
from tests.security.corpus import PAYLOADS, Case, build_corpus

CORPUS = build_corpus()
# What an error body may never show: paths, library names, SQL, stack traces.
LEAKS = re.compile(r"/|vips|sqlite|Traceback|select |insert |\.py\b|Error\b", re.IGNORECASE)


def _post(account: Account, case: Case) -> tuple[int, dict[str, object]]:
    response = account.client.post(
        "/images",
        headers=account.headers,
        files={"file": (case.filename, io.BytesIO(case.data), "image/jpeg")},
    )
    return response.status_code, response.json()


def _render(client: TestClient, image_id: str, transformation: str, extension: str) -> pyvips.Image:
    response = client.get(signed_path(TEST_URL_SECRET, image_id, transformation, extension))
    assert response.status_code == 200, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    for payload in PAYLOADS:
        assert payload not in response.content, f"{payload!r} survived rendering"
    return pyvips.Image.new_from_buffer(response.content, "n=-1" if extension in ("gif", "webp") else "")


def _pixel(image: pyvips.Image, x: int, y: int) -> list[float]:
    return [round(v) for v in image(x, y)]


def _assert_healthy(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_hostile_upload(alice: Account, case: Case, settings_dir: Path) -> None:
    status, body = _post(alice, case)
    assert status == case.status, body
    if case.status != 201:
        error = body["error"]
        assert isinstance(error, dict)
        assert error["code"] == case.code
        assert case.message is not None and case.message in str(error["message"])
        assert not LEAKS.search(str(error["message"])), error["message"]
        # nothing kept: no original, no spooled upload, nothing listed
        assert alice.client.get("/images", headers=alice.headers).json()["total"] == 0
        assert not [p for p in (settings_dir / "originals").rglob("*") if p.is_file()]
        assert not [p for p in (settings_dir / "tmp").glob("*") if p.is_file()]
    else:
        assert (body["width"], body["height"]) == case.size
        assert body["pages"] == case.pages
        assert "/" not in str(body["filename"]) and "\x00" not in str(body["filename"])
        image_id = str(body["id"])
        for extension in ("jpg", "png", "webp"):
            rendered = _render(alice.client, image_id, "w_16", extension)
            assert rendered.width == 16
        _check_accepted(alice.client, case, image_id, alice.headers)
    _assert_healthy(alice.client)


def _check_accepted(client: TestClient, case: Case, image_id: str, headers: dict[str, str]) -> None:
    if "polyglot" in case.tags:
        # The original comes back as it was sent, but as an attachment of an image type, never sniffed.
        original = client.get(f"/images/{image_id}/download", headers=headers)
        assert original.status_code == 200
        assert original.content == case.data
        assert original.headers["content-type"].startswith("image/")
        assert original.headers["content-disposition"].startswith("attachment")
        assert original.headers["x-content-type-options"] == "nosniff"
    if "orientation" in case.tags:
        image = _render(client, image_id, "", "png")
        assert (image.width, image.height) == (32, 64)
        assert not image.get_typeof("orientation") or image.get("orientation") == 1
        top, bottom = _pixel(image, 16, 4), _pixel(image, 16, 60)
        assert top[0] > 200 and top[2] < 60, top  # the red left half is now on top
        assert bottom[2] > 200 and bottom[0] < 60, bottom
    if "cmyk" in case.tags:
        image = _render(client, image_id, "", "jpg")
        assert (image.bands, image.interpretation) == (3, "srgb")
        red, green, blue = _pixel(image, 16, 16)
        assert red > 150 and green < 90 and blue < 90, (red, green, blue)
    if "16bit" in case.tags:
        image = _render(client, image_id, "", "png")
        assert image.format == "uchar"
        assert _pixel(image, 4, 16)[:3] == pytest.approx([255, 0, 0], abs=2)
    if "animated" in case.tags:
        for extension in ("gif", "webp"):
            image = _render(client, image_id, "w_8", extension)
            assert image.get("n-pages") == 4
            assert (image.width, image.get("page-height")) == (8, 8)
    if "huge" in case.tags:
        image = _render(client, image_id, "w_32", "png")
        assert (image.width, image.height) == (32, 24)
        assert not image.get_typeof("exif-data")


@pytest.fixture
def settings_dir(client: TestClient) -> Path:
    return services_of(client).settings.data_dir


class _Picked:
    """Stands in for an image opened by a loader that slipped past the block list."""

    def __init__(self, loader: str, **fields: object) -> None:
        self.fields = {"vips-loader": loader, **fields}

    def get(self, name: str) -> object:
        return self.fields[name]

    def get_typeof(self, name: str) -> int:
        return 1 if name in self.fields else 0


@pytest.mark.parametrize("loader", ["matrixload", "csvload", "vipsload_source", "magickload_buffer", "pdfload",
                                    "svgload_buffer", "ppmload", "fitsload", "openslideload"])
def test_the_picked_loader_is_checked_again(loader: str) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        _loader_format(_Picked(loader), SourceLimits())
    assert refused.value.message == "Not a supported image type"
    assert refused.value.detail == f"loader {loader}"


def test_heic_is_refused_but_avif_is_not() -> None:
    with pytest.raises(UnsupportedMediaType, match="HEIC is not supported"):
        _loader_format(_Picked("heifload_buffer", **{"heif-compression": "hevc"}), SourceLimits())
    assert _loader_format(_Picked("heifload", **{"heif-compression": "av1"}), SourceLimits()) == "avif"
    assert _loader_format(_Picked("svgload", **{}), SourceLimits(allow_svg=True)) == "svg"
