"""The summary stored with an upload: dominant colours, a BlurHash, and a tiny WebP placeholder.

All three come from one small thumbnail (shrink-on-load, so even a large upload costs a few
milliseconds), computed once at upload; ``GET /images/{id}`` only reads them back.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from imgorigin.blob import Blob
from imgorigin.info.blurhash import encode as blurhash_encode
from imgorigin.info.palette import dominant_colors
from imgorigin.transform.decode import normalise

if TYPE_CHECKING:
    import pyvips

SAMPLE_SIDE = 64  # enough for colours and a 4x3 BlurHash; more only costs time
PLACEHOLDER_SIDE = 16
PLACEHOLDER_QUALITY = 40


@dataclass(frozen=True)
class Summary:
    colors: tuple[tuple[str, float], ...]
    blurhash: str
    placeholder: str  # a data: URI of a tiny WebP

    def colors_json(self) -> str:
        return json.dumps([{"color": colour, "share": share} for colour, share in self.colors])


def _thumbnail(blob: Blob, side: int) -> pyvips.Image:
    import pyvips

    if blob.path is not None:
        image = pyvips.Image.thumbnail(str(blob.path), side, height=side)
    else:
        assert blob.data is not None
        image = pyvips.Image.thumbnail_buffer(blob.data, side, height=side)
    return normalise(image).copy_memory()  # read twice below: colours, then the placeholder


def summarize(blob: Blob) -> Summary:
    """Runs libvips and numpy: call it from a worker thread."""
    sample = _thumbnail(blob, SAMPLE_SIDE)
    if sample.bands < 3:
        sample = sample.colourspace("srgb")
    pixels = np.asarray(sample.numpy(), dtype=np.uint8).reshape(sample.height, sample.width, sample.bands)
    rgb = pixels[..., :3]
    if sample.hasalpha():
        alpha = pixels[..., 3:4].astype(np.float64) / 255
        opaque = rgb[pixels[..., 3] >= 128]
        # BlurHash has no alpha: show transparent areas as the white most pages put behind them.
        flat = (rgb * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    else:
        opaque = rgb.reshape(-1, 3)
        flat = rgb
    x_components, y_components = (4, 3) if sample.width >= sample.height else (3, 4)
    small = sample.resize(PLACEHOLDER_SIDE / max(sample.width, sample.height))
    webp = small.write_to_buffer(".webp", Q=PLACEHOLDER_QUALITY, keep="none")
    return Summary(
        colors=tuple(dominant_colors(opaque)),
        blurhash=blurhash_encode(flat, x_components, y_components),
        placeholder="data:image/webp;base64," + base64.b64encode(webp).decode("ascii"),
    )
