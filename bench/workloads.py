"""The benchmark workloads, each as an imgorigin URL, the equivalent thumbor URL, and the same
operation done by pyvips in-process (the floor: no HTTP, no Python per-request work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pyvips


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    source: str  # big, hd or rgba (bench/sources.py)
    imgorigin: str  # path with {id}
    thumbor: str | None  # path with {name}
    floor: Callable[[Path], bytes] | None


def _floor_a(path: Path) -> bytes:
    """The least work: decode at 1/8 in libjpeg-turbo, one lanczos3 step, encode."""
    image = pyvips.Image.new_from_file(str(path), shrink=8, access="sequential")
    image = image.resize(300 / image.width, vscale=225 / image.height, kernel="lanczos3")
    return bytes(image.write_to_buffer(".jpg", Q=80, optimize_coding=True, keep="none"))


def _floor_b(path: Path) -> bytes:
    image = pyvips.Image.thumbnail(str(path), 800, height=600, crop="centre")
    return bytes(image.write_to_buffer(".webp", Q=80, effort=4, keep="none"))


def _floor_c(path: Path) -> bytes:
    image = pyvips.Image.new_from_file(str(path), access="sequential")
    image = image.crop(300, 200, 600, 400).colourspace("b-w")
    return bytes(image.write_to_buffer(".png", compression=6, filter="all", keep="none"))


def _floor_d(path: Path) -> bytes:
    image = pyvips.Image.thumbnail(str(path), 1024)
    return bytes(image.write_to_buffer(".avif", Q=55, effort=1, keep="none"))


WORKLOADS = MappingProxyType({
    w.key: w for w in (
        Workload("a", "4000x3000 JPEG -> w_300 JPEG q80", "big", "/t/w_300,q_80/{id}.jpg",
                 "/unsafe/300x0/filters:quality(80)/{name}", _floor_a),
        Workload("b", "1920x1080 JPEG -> 800x600 fill WebP q80", "hd", "/t/c_fill,w_800,h_600,q_80/{id}.webp",
                 "/unsafe/800x600/filters:format(webp):quality(80)/{name}", _floor_b),
        Workload("c", "1200x800 RGBA PNG -> crop 600x400 + grayscale PNG", "rgba",
                 "/t/c_crop,w_600,h_400/e_grayscale/{id}.png",
                 "/unsafe/300x200:900x600/filters:grayscale():format(png)/{name}", _floor_c),
        Workload("d", "4000x3000 JPEG -> w_1024 AVIF", "big", "/t/w_1024/{id}.avif",
                 "/unsafe/1024x0/filters:format(avif)/{name}", _floor_d),
        Workload("e", "cache hits from the origin (w_300 JPEG)", "big", "/t/w_300,q_80/{id}.jpg", None, None),
        Workload("f", "cache hits through nginx proxy_cache", "big", "/t/w_300,q_80/{id}.jpg", None, None),
    )
})
