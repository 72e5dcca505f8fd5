"""Upload-time pyramid levels: which reduced copies of an original exist, how they are made, which one
a render may read instead of the original. PNG originals also get a lossless full-size copy that
decodes without inflate (denominator 1, ``FULL_SIZE``).

Every render of a big JPEG pays its entropy decode again, even at 1/8 scale (~25 ms for 12 MP).
A level is the original reduced by 1/2 or 1/8 once, at upload, with lanczos3 from the full decode:
upright (EXIF orientation applied), converted to sRGB, metadata stripped, stored as JPEG q95 4:4:4
(opaque) or fast PNG (alpha). JPEG keeps shrink-on-load possible on the level itself; the choice
against WebP lossless and PNG is measured in ``bench/level_formats.py``.

Which levels an original has follows from its upright size alone (``level_sizes``), so the delivery
plane never asks the database: it asks storage for the one level it wants and falls back to the next
larger one, then to the original (uploads older than the pyramid have no levels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.transform.decode import load, normalise
from imgorigin.transform.source import Header
from imgorigin.transform.vips import SaveOptions

if TYPE_CHECKING:
    import pyvips

# Returns a level able to serve a render scaled to (width, height), or None: read the original.
LevelPicker = Callable[[tuple[int, int]], Blob | None]
FULL_SIZE = 1  # the denominator of the lossless full-size copy


@dataclass(frozen=True)
class PyramidPolicy:
    # Smallest level first, so the cheapest sufficient one is found first.
    denominators: tuple[int, ...] = (8, 2)
    # Below this, shrink-on-load of the original is already cheap; levels would only cost storage.
    min_source_pixels: int = 3_000_000
    # A level serves outputs up to its size divided by this: the final resize is always a real
    # downscale, never a near-1:1 resample (which blurs) and never an upscale.
    margin: float = 1.5
    # Originals whose decode is all inflate (PNG) also get a full-size copy, lossless, that decodes
    # like a memory copy: PNG with stored deflate blocks (a 1200x800 RGBA crop: 9.4 -> 1.9 ms).
    fast_copy_formats: tuple[str, ...] = ("png",)
    min_fast_copy_pixels: int = 500_000
    # ...unless the copy would take more than this times the original's bytes (flat graphics).
    max_fast_copy_growth: float = 2.0

    def level_sizes(self, header: Header) -> dict[int, tuple[int, int]]:
        """denominator -> upright size of every level an original of this header may get."""
        # SVG rasterises at any size on its own; animations would need every frame reduced.
        if header.format == "svg" or header.pages > 1:
            return {}
        pixels = header.width * header.height
        sizes = {}
        if pixels >= self.min_source_pixels:
            sizes = {d: level_size(header.size, d) for d in self.denominators}
        if header.format in self.fast_copy_formats and pixels >= self.min_fast_copy_pixels:
            sizes[FULL_SIZE] = header.size
        return sizes

    def choose(self, header: Header, scaled: tuple[int, int]) -> list[int]:
        """Denominators of the levels able to serve ``scaled``, best (smallest) first."""
        width, height = scaled
        return [
            d for d, (lw, lh) in self.level_sizes(header).items()
            if (d == FULL_SIZE and width <= lw and height <= lh)  # lossless: the original's pixels
            or (width * self.margin <= lw and height * self.margin <= lh)
        ]


def level_size(size: tuple[int, int], denominator: int) -> tuple[int, int]:
    width, height = size
    return max(1, round(width / denominator)), max(1, round(height / denominator))


def encode_options(has_alpha: bool) -> tuple[str, SaveOptions]:
    if has_alpha:
        return ".png", {"compression": 1, "filter": "none", "keep": "none"}
    # No optimised Huffman tables: for the 2000x1500 level of a 12 MP photo they save 3.8% of its bytes
    # and cost about half of the job's encode CPU (bench/levers.py levels_job); a level is read by the
    # server, never sent.
    return ".jpg", {"Q": 95, "subsample_mode": "off", "keep": "none"}


def _resize_to(image: pyvips.Image, size: tuple[int, int]) -> pyvips.Image:
    width, height = size
    out = image.resize(width / image.width, vscale=height / image.height, kernel="lanczos3")
    if (out.width, out.height) != size:  # libvips rounds: pin the size level_size promised
        out = out.embed(0, 0, max(width, out.width), max(height, out.height), extend="copy")
        out = out.crop(0, 0, width, height)
    return out


def build_levels(blob: Blob, header: Header, policy: PyramidPolicy) -> dict[int, bytes]:
    """Encode every level ``policy`` gives this original (empty for small or animated images)."""
    sizes = policy.level_sizes(header)
    if not sizes:
        return {}
    upright = normalise(load(blob).autorot()).copy_memory()
    suffix, options = encode_options(bool(upright.hasalpha()))
    levels = {}
    # Largest level first, each smaller one reduced from the one before it, still in memory: the 1/8
    # level of a 12 MP photo from the 1/2 level's 3 MP instead of the 12 (37 -> 24 ms).
    source = upright
    for d in sorted(d for d in sizes if d != FULL_SIZE):
        source = _resize_to(source, sizes[d]).copy_memory()
        levels[d] = bytes(source.write_to_buffer(suffix, **options))
    if FULL_SIZE in sizes:
        copy = bytes(upright.write_to_buffer(".png", compression=0, filter="none", keep="none"))
        if len(copy) <= policy.max_fast_copy_growth * _byte_size(blob):
            levels[FULL_SIZE] = copy
    return levels


def _byte_size(blob: Blob) -> int:
    if blob.data is not None:
        return len(blob.data)
    assert blob.path is not None
    return blob.path.stat().st_size
