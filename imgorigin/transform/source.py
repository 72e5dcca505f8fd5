"""Opening untrusted images safely: a loader allowlist and header-only checks (``decode`` reads the pixels).

libvips opens lazily, so width, height and page count come from the header before a single pixel
is decoded; everything over a cap is refused there. Only the loaders in ``ALLOWED_LOADERS`` can run
at all (``configure_libvips`` blocks every other one, including ``matrix`` and ``csv`` which take
plain text), and the loader libvips actually picked is checked again after the header is read.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Unpack

from imgorigin.blob import Blob
from imgorigin.errors import Unprocessable, UnsupportedMediaType
from imgorigin.transform.gifcheck import gif_is_complete
from imgorigin.transform.svg import check_svg
from imgorigin.transform.vips import LoadOptions, get_int

if TYPE_CHECKING:
    import pyvips

# loader nickname -> the format name we report; the class names are what operation_block_set takes
ALLOWED_LOADERS = {
    "jpegload": "jpeg",
    "pngload": "png",
    "webpload": "webp",
    "gifload": "gif",
    "heifload": "avif",
    "tiffload": "tiff",
}
_LOADER_CLASSES = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadNsgif",
    "VipsForeignLoadHeif",
    "VipsForeignLoadTiff",
)
_SVG_CLASS = "VipsForeignLoadSvg"


def configure_libvips(*, allow_svg: bool = False) -> None:
    """Block every loader but the allowlist, and turn off libvips' operation cache. Idempotent."""
    import pyvips

    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in _LOADER_CLASSES:
        pyvips.operation_block_set(name, False)
    if allow_svg:
        pyvips.operation_block_set(_SVG_CLASS, False)
    # The operation cache only helps repeated identical calls; finished renders are cached by us, so it
    # would hold memory for nothing, and it shares images (and their kill flags) between requests.
    pyvips.cache_set_max(0)


@dataclass(frozen=True)
class SourceLimits:
    max_pixels: int = 50_000_000
    max_side: int = 30_000
    max_frames: int = 500
    max_animation_pixels: int = 200_000_000
    allow_svg: bool = False


@dataclass(frozen=True)
class Header:
    format: str
    width: int  # upright, after EXIF orientation
    height: int
    pages: int
    has_alpha: bool
    orientation: int

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def open_blob(blob: Blob, **options: Unpack[LoadOptions]) -> pyvips.Image:
    import pyvips

    if blob.path is not None:
        return pyvips.Image.new_from_file(str(blob.path), **options)
    assert blob.data is not None
    return pyvips.Image.new_from_buffer(blob.data, "", **options)


def _loader_format(image: pyvips.Image, limits: SourceLimits) -> str:
    loader = str(image.get("vips-loader"))
    base = loader.removesuffix("_buffer").removesuffix("_source")
    if base == "svgload" and limits.allow_svg:
        return "svg"
    fmt = ALLOWED_LOADERS.get(base)
    if fmt is None:
        raise UnsupportedMediaType("Not a supported image type", detail=f"loader {loader}")
    if base == "heifload" and image.get_typeof("heif-compression") and image.get("heif-compression") != "av1":
        raise UnsupportedMediaType("HEIC is not supported; upload JPEG, PNG, WebP, AVIF, GIF or TIFF")
    return fmt


def _head(blob: Blob, size: int = 32) -> bytes:
    if blob.data is not None:
        return blob.data[:size]
    assert blob.path is not None
    with open(blob.path, "rb") as handle:
        return handle.read(size)


def _has_image_magic(head: bytes) -> bool:
    """The signature of an accepted format, so a failed load means a damaged file (422), not a wrong type."""
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis", b"mif1", b"msf1"))
    )


def read_header(blob: Blob, limits: SourceLimits) -> Header:
    """Read only the header; refuse unknown types (415) and images over the caps (413/422)."""
    import pyvips

    size = len(blob.data) if blob.data is not None else blob.path.stat().st_size if blob.path else 0
    if size == 0:
        raise UnsupportedMediaType("The file is empty")
    try:
        image = open_blob(blob, access="sequential", fail_on="error")
    except pyvips.Error as exc:
        if _has_image_magic(_head(blob)):
            raise Unprocessable(
                "The image is truncated or corrupt", detail=str(exc), code="corrupt_image"
            ) from None
        raise UnsupportedMediaType(
            "Not a supported image type (JPEG, PNG, WebP, AVIF, GIF or TIFF)", detail=str(exc)
        ) from None
    fmt = _loader_format(image, limits)
    if fmt == "svg":
        check_svg(blob.read_bytes())
    width, height = image.width, image.height
    pages = get_int(image, "n-pages", 1)
    page_height = get_int(image, "page-height", height)
    orientation = get_int(image, "orientation", 1)
    check_caps(width, page_height, pages, limits)
    if orientation in (5, 6, 7, 8):
        width, page_height = page_height, width
    return Header(fmt, width, page_height, pages, bool(image.hasalpha()), orientation)


def check_caps(width: int, page_height: int, pages: int, limits: SourceLimits) -> None:
    """Refuse (422) an image over the size, pixel or frame caps."""
    if width > limits.max_side or page_height > limits.max_side:
        raise Unprocessable(
            f"The image is {width}x{page_height} pixels; the largest side accepted is {limits.max_side}",
            code="image_too_large",
        )
    if width * page_height > limits.max_pixels:
        raise Unprocessable(
            f"The image is {width}x{page_height} pixels ({width * page_height / 1e6:.1f} MP); "
            f"the limit is {limits.max_pixels / 1e6:g} MP",
            code="image_too_large",
        )
    if pages > limits.max_frames:
        raise Unprocessable(
            f"The image has {pages} frames; the limit is {limits.max_frames}", code="image_too_large"
        )
    if pages > 1 and pages * width * page_height > limits.max_animation_pixels:
        raise Unprocessable(
            f"The animation has {pages} frames of {width}x{page_height}; the budget is "
            f"{limits.max_animation_pixels / 1e6:g} MP over all frames",
            code="image_too_large",
        )


def verify_decodes(blob: Blob, header: Header, timeout: float | None = None) -> None:
    """Decode every pixel once (uploads only): truncated or corrupt data fails here, not at delivery.

    A decode still running after ``timeout`` seconds is killed: within the pixel caps that only
    happens to a file built to be slow (an SVG full of filters, a pathological progressive JPEG).
    """
    import pyvips

    corrupt = "The image is truncated or corrupt"
    started = time.monotonic()
    timer = None
    # fail_on="warning" (sharp's default): measured to be the only level that catches a JPEG with damaged
    # entropy data; "truncated" already catches cut JPEG/PNG/WebP/TIFF/AVIF. See docs/security.md.
    try:
        image = open_blob(blob, access="sequential", fail_on="warning", **({"n": -1} if header.pages > 1 else {}))
        if timeout is not None:
            timer = threading.Timer(timeout, image.set_kill, args=(True,))
            timer.daemon = True
            timer.start()
        image.avg()
    except pyvips.Error as exc:
        if timeout is not None and time.monotonic() - started >= timeout:
            raise Unprocessable(
                "The image takes too long to decode", detail=str(exc), code="decode_timeout"
            ) from None
        raise Unprocessable(corrupt, detail=str(exc), code="corrupt_image") from None
    finally:
        if timer is not None:
            timer.cancel()
    if header.format == "gif":
        data = blob.read_bytes()
        if not gif_is_complete(data):
            raise Unprocessable(corrupt, detail="GIF stream ends before its trailer", code="corrupt_image")
