"""A hostile-file corpus, generated (nothing binary is checked in): each file with its expected outcome.

Bombs are real headers with patched dimensions or frame counts, so they are a few hundred bytes that
claim billions of pixels; polyglots are valid images that are also HTML, JavaScript, PHP or ZIP.
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyvips

# What a valid image must never carry into a rendering: the payloads of the polyglots below.
PAYLOADS = (b"<script", b"alert(", b"<?php", b"PK\x03\x04", b"<html")


@dataclass(frozen=True)
class Case:
    """One hostile (or merely unusual) upload and what the service must answer."""

    name: str
    data: bytes
    status: int
    code: str | None = None  # the error code of a refusal
    message: str | None = None  # a fragment the refusal's message must contain
    filename: str = "upload.jpg"
    pages: int = 1
    size: tuple[int, int] | None = None  # (width, height) the service reports, upright
    tags: frozenset[str] = field(default_factory=frozenset)


def _rgb(width: int, height: int, colour: tuple[int, int, int]) -> pyvips.Image:
    return (
        pyvips.Image.black(width, height)
        .new_from_image(list(colour))
        .cast("uchar")
        .copy(interpretation="srgb")
    )


def _halves(width: int, height: int) -> pyvips.Image:
    """Left half red, right half blue: orientation mistakes show up as a wrong colour at a known pixel."""
    left = _rgb(width // 2, height, (255, 0, 0))
    right = _rgb(width - width // 2, height, (0, 0, 255))
    return left.join(right, "horizontal")


def jpeg(width: int = 64, height: int = 48, **options: object) -> bytes:
    return bytes(_halves(width, height).write_to_buffer(".jpg", **options))


def png(width: int = 64, height: int = 48, **options: object) -> bytes:
    return bytes(_halves(width, height).write_to_buffer(".png", **options))


def encode(fmt: str, width: int = 64, height: int = 48) -> bytes:
    return bytes(_halves(width, height).write_to_buffer(f".{fmt}", keep="none"))


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    checksum = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def png_with_chunks(base: bytes, *chunks: bytes) -> bytes:
    """Insert chunks right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    return base[:33] + b"".join(chunks) + base[33:]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims width x height (the pixel data is a few bytes of zlib)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode("jpg", 16, 16))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(side: int) -> bytes:
    """A lossless WebP whose VP8L header claims side x side (libwebp's largest is 16383)."""
    data = bytearray(pyvips.Image.black(8, 8).write_to_buffer(".webp", lossless=True, keep="none"))
    at = data.find(b"VP8L") + 9
    (word,) = struct.unpack("<I", data[at : at + 4])
    word = (word & ~((1 << 28) - 1)) | (side - 1) | ((side - 1) << 14)
    data[at : at + 4] = struct.pack("<I", word)
    return bytes(data)


def tiff_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode("tif", 8, 8))
    assert data[:4] == b"II*\x00"
    (ifd,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[ifd : ifd + 2])
    for index in range(count):
        entry = ifd + 2 + 12 * index
        tag, kind = struct.unpack("<HH", data[entry : entry + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
            data[entry + 8 : entry + 12] = packed
    return bytes(data)


def avif_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode("avif", 8, 8))
    at = data.find(b"ispe") + 8  # box type, then version and flags, then width and height
    data[at : at + 8] = struct.pack(">II", width, height)
    return bytes(data)


_GIF_FRAME = b"!\xf9\x04\x00\x01\x00\x00\x00" + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"


def gif(frames: int = 1, screen: bytes = b"\x01\x00\x01\x00", comment: bytes = b"") -> bytes:
    """A hand-built GIF of 1x1 frames (libvips' saver would merge identical frames)."""
    extension = b"!\xfe" + bytes([len(comment)]) + comment + b"\x00" if comment else b""
    return (
        b"GIF89a" + screen + b"\x80\x00\x00\xff\xff\xff\x00\x00\x00" + extension + _GIF_FRAME * frames + b";"
    )


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(gif())
    at = data.find(b",\x00\x00\x00\x00") + 5
    data[at : at + 4] = struct.pack("<HH", width, height)
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def animated_gif(frames: int = 4, side: int = 16) -> bytes:
    strip = pyvips.Image.black(side, side * frames)
    for index in range(frames):
        strip = strip.draw_rect(index * 60, 0, index * side, side, side, fill=True)
    strip = strip.cast("uchar").copy(interpretation="b-w")
    strip.set_type(pyvips.GValue.gint_type, "page-height", side)
    return bytes(strip.write_to_buffer(".gif"))


def frames(fmt: str, count: int, side: int = 4) -> bytes:
    """A multi-page image of ``count`` distinct frames (libvips' savers merge identical ones)."""
    strip = ((pyvips.Image.xyz(side, side * count)[1] // side) % 256).cast("uchar").copy(interpretation="b-w")
    strip.set_type(pyvips.GValue.gint_type, "page-height", side)
    return bytes(strip.write_to_buffer(f".{fmt}", **({"lossless": True} if fmt == "webp" else {})))


def oriented_jpeg(orientation: int) -> bytes:
    image = _halves(64, 32).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return bytes(image.write_to_buffer(".jpg", keep="exif"))


def cmyk_jpeg() -> bytes:
    image = _rgb(32, 32, (200, 30, 30)).icc_export(output_profile="cmyk")
    return bytes(image.write_to_buffer(".jpg"))


def png16() -> bytes:
    image = (_halves(32, 32).cast("ushort") * 257).cast("ushort").copy(interpretation="rgb16")
    return bytes(image.write_to_buffer(".png", bitdepth=16))


def jpeg_with_app1(size: int) -> bytes:
    """A JPEG with an APP1 segment of ``size`` bytes right after SOI (a segment holds at most 65533)."""
    base = jpeg()
    payload = b"Exif\0\0MM\0*\0\0\0\x08" + b"\0" * (size - 14)
    return base[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + base[2:]


def png_with_huge_metadata(megabytes: int = 8) -> bytes:
    blob = b"\0" * (megabytes * 1024 * 1024)
    exif = b"MM\0*\0\0\0\x08" + blob
    return png_with_chunks(
        png(), png_chunk(b"eXIf", exif), png_chunk(b"tEXt", b"Comment\0" + blob[: 1024 * 1024])
    )


def jpeg_corrupt_middle() -> bytes:
    data = bytearray(jpeg(256, 256, Q=95))
    middle = len(data) // 2
    data[middle : middle + 256] = bytes(256)
    return bytes(data)


def png_corrupt_idat() -> bytes:
    data = bytearray(png(128, 128))
    at = data.find(b"IDAT") + 10
    data[at] ^= 0xFF
    return bytes(data)


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def vips_native() -> bytes:
    """libvips' own format: a raw pixel dump its loader would map straight from disk."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "image.v"
        pyvips.Image.black(4, 4).write_to_file(str(path))
        return path.read_bytes()


SVG_SCRIPT = b"""<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
<script>alert(document.cookie)</script><rect width="100" height="100" fill="red"/></svg>"""
SVG_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><text y="20">&xxe;</text></svg>"""
SVG_REMOTE = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="100" height="100">
<image xlink:href="http://169.254.169.254/latest/meta-data/" width="100" height="100"/></svg>"""
SVG_XINCLUDE = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude"
 width="100" height="100"><text><xi:include href=".?../../../../etc/passwd" parse="text"/></text></svg>"""
SVG_PLAIN = b"""<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">
<rect width="120" height="80" fill="#00ff00"/></svg>"""
SVG_HUGE = b"""<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">
<rect width="100000" height="100000" fill="#00ff00"/></svg>"""
SVGS = {
    "svg-script": SVG_SCRIPT,
    "svg-xxe": SVG_XXE,
    "svg-remote-href": SVG_REMOTE,
    "svg-xinclude": SVG_XINCLUDE,
}

MVG = (
    b"push graphic-context\nviewbox 0 0 640 480\n"
    b"fill 'url(https://example.com/x.jpg\"|ls \"-la)'\npop graphic-context\n"
)

NOT_AN_IMAGE = "unsupported_media_type"
TOO_LARGE = "image_too_large"
CORRUPT = "corrupt_image"


def _refused(name: str, data: bytes, code: str, message: str, filename: str = "upload.jpg") -> Case:
    status = 415 if code == NOT_AN_IMAGE else 422
    return Case(name, data, status, code, message, filename=filename)


def _accepted(
    name: str,
    data: bytes,
    size: tuple[int, int],
    pages: int = 1,
    filename: str = "upload.jpg",
    tags: tuple[str, ...] = (),
) -> Case:
    return Case(name, data, 201, size=size, pages=pages, filename=filename, tags=frozenset(tags))


def build_corpus() -> list[Case]:
    unsupported = "Not a supported image type"
    too_big_side = "the largest side accepted is 30000"
    builders: list[Callable[[], Case]] = [
        # bombs: a few hundred bytes each, claiming billions of pixels
        lambda: _refused("png-50000x50000", png_claiming(50_000, 50_000), TOO_LARGE, too_big_side),
        lambda: _refused("png-20000x20000", png_claiming(20_000, 20_000), TOO_LARGE, "the limit is 50 MP"),
        lambda: _refused("jpeg-60000x60000", jpeg_claiming(60_000, 60_000), TOO_LARGE, too_big_side),
        lambda: _refused("webp-16383x16383", webp_claiming(16_383), TOO_LARGE, "the limit is 50 MP"),
        lambda: _refused("tiff-60000x60000", tiff_claiming(60_000, 60_000), TOO_LARGE, too_big_side),
        lambda: _refused("avif-60000x60000", avif_claiming(60_000, 60_000), TOO_LARGE, too_big_side),
        lambda: _refused("gif-65535x65535", gif_claiming(65_535, 65_535), TOO_LARGE, too_big_side),
        lambda: _refused(
            "gif-5000-frames", gif(5000), TOO_LARGE, "The image has 5000 frames; the limit is 500"
        ),
        lambda: _refused("tiff-600-pages", frames("tif", 600), TOO_LARGE, "The image has 600 frames"),
        lambda: _refused("webp-600-frames", frames("webp", 600), TOO_LARGE, "The image has 600 frames"),
        # broken files
        lambda: _refused("zero-bytes", b"", NOT_AN_IMAGE, "The file is empty"),
        lambda: _refused("jpeg-truncated", truncated(jpeg(256, 256)), CORRUPT, "truncated or corrupt"),
        lambda: _refused("jpeg-no-eoi", jpeg(256, 256)[:-2], CORRUPT, "truncated or corrupt"),
        lambda: _refused("jpeg-corrupt-middle", jpeg_corrupt_middle(), CORRUPT, "truncated or corrupt"),
        lambda: _refused("png-truncated", truncated(png(256, 256)), CORRUPT, "truncated or corrupt"),
        lambda: _refused("png-corrupt-idat", png_corrupt_idat(), CORRUPT, "truncated or corrupt"),
        lambda: _refused("gif-truncated", truncated(animated_gif(4, 64)), CORRUPT, "truncated or corrupt"),
        lambda: _refused(
            "webp-truncated", truncated(encode("webp", 256, 256)), CORRUPT, "truncated or corrupt"
        ),
        lambda: _refused(
            "tiff-truncated", truncated(encode("tif", 256, 256)), CORRUPT, "truncated or corrupt"
        ),
        lambda: _refused(
            "avif-truncated", truncated(encode("avif", 256, 256)), CORRUPT, "truncated or corrupt"
        ),
        lambda: _refused("jpeg-header-only", jpeg()[:200], CORRUPT, "truncated or corrupt"),
        # not images, whatever the name says; and loaders that must never run on untrusted bytes
        lambda: _refused("text-as-jpg", b"just some text, not a picture\n" * 10, NOT_AN_IMAGE, unsupported),
        lambda: _refused(
            "html-as-jpg", b"<!doctype html><html><script>alert(1)</script></html>", NOT_AN_IMAGE, unsupported
        ),
        lambda: _refused("matrix-text", b"2 2\n1 2\n3 4\n", NOT_AN_IMAGE, unsupported),
        lambda: _refused("csv-text", b"1,2,3\n4,5,6\n", NOT_AN_IMAGE, unsupported),
        lambda: _refused("ppm", b"P6 2 2 255\n" + b"\xff" * 12, NOT_AN_IMAGE, unsupported),
        lambda: _refused(
            "pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", NOT_AN_IMAGE, unsupported
        ),
        lambda: _refused("fits", b"SIMPLE  =                    T" + b" " * 2850, NOT_AN_IMAGE, unsupported),
        lambda: _refused("vips-native", vips_native(), NOT_AN_IMAGE, unsupported),
        lambda: _refused("imagemagick-mvg", MVG, NOT_AN_IMAGE, unsupported, filename="exploit.mvg"),
        lambda: _refused("svg-plain", SVG_PLAIN, NOT_AN_IMAGE, unsupported, filename="image.svg"),
        *[
            (lambda n=name, d=data: _refused(n, d, NOT_AN_IMAGE, unsupported, filename=f"{n}.svg"))
            for name, data in SVGS.items()
        ],
        # polyglots: valid images carrying something else; accepted, and no rendering may carry it on
        lambda: _accepted(
            "gif-js-polyglot",
            gif(1, screen=b"/*\x01\x00", comment=b'*/=alert("owned")//'),
            (1, 1),
            filename="poly.gif",
            tags=("polyglot",),
        ),
        lambda: _accepted(
            "jpeg-with-zip",
            jpeg() + b"PK\x03\x04" + b"\0" * 26 + b"evil.php<?php system($_GET[1]);",
            (64, 48),
            tags=("polyglot",),
        ),
        lambda: _accepted(
            "jpeg-with-html", jpeg() + b"<html><script>alert(1)</script></html>", (64, 48), tags=("polyglot",)
        ),
        lambda: _accepted(
            "png-with-php",
            png_with_chunks(png(), png_chunk(b"tEXt", b"Comment\0<?php phpinfo(); ?>")),
            (64, 48),
            filename="shell.php.png",
            tags=("polyglot",),
        ),
        # unusual but legitimate
        lambda: _accepted("jpeg-60k-exif", jpeg_with_app1(60_000), (64, 48)),
        lambda: _accepted("png-8mb-metadata", png_with_huge_metadata(8), (64, 48), tags=("huge",)),
        lambda: _accepted("cmyk-jpeg", cmyk_jpeg(), (32, 32), tags=("cmyk",)),
        lambda: _accepted("png-16-bit", png16(), (32, 32), tags=("16bit",)),
        lambda: _accepted("jpeg-orientation-6", oriented_jpeg(6), (32, 64), tags=("orientation",)),
        lambda: _accepted(
            "animated-gif", animated_gif(4, 16), (16, 16), pages=4, filename="anim.gif", tags=("animated",)
        ),
        lambda: _accepted(
            "png-bad-crc-text-chunk", png_with_chunks(png(), png_chunk(b"tEXt", b"k\0v", crc=1)), (64, 48)
        ),
        lambda: _accepted("jpeg-trailing-garbage", jpeg() + b"\xde\xad\xbe\xef" * 64, (64, 48)),
        lambda: _accepted("lying-name", png(), (64, 48), filename="../../etc/passwd\x00.jpg"),
    ]
    return [build() for build in builders]
