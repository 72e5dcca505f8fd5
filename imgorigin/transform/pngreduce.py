"""Lossless PNG colour-type reduction, as oxipng does: fewer bands, the same pixels once decoded.

A grey image held as RGB (after ``e_grayscale``, or a black-and-white scan saved as RGB) is written as
grey (with its alpha, if any). That gives zlib a third of the bytes to compress, so the file is smaller
and the encode faster: the (c) benchmark's crop + grayscale goes from 4 bands and 153 KB to 2 bands and
121 KB (``bench/RESULTS.md``). Alpha is kept as the pipeline made it, even when opaque.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.vips import equal

if TYPE_CHECKING:
    import pyvips

# The check reads the rendered pixels, so the output is held in memory first; past this size that
# memory costs more than the bytes saved.
MAX_PIXELS = 4_000_000


def applies(image: pyvips.Image) -> bool:
    return image.format == "uchar" and image.width * image.height <= MAX_PIXELS and image.bands in (3, 4)


def reduce(image: pyvips.Image) -> pyvips.Image:
    """``image`` must already be in memory (it is read more than once)."""
    alpha_band = image.bands - 1 if image.hasalpha() else None
    colour = image if alpha_band is None else image.extract_band(0, n=alpha_band)
    alpha = None if alpha_band is None else image.extract_band(alpha_band)
    if colour.bands != 3 or (equal(colour[0], colour[1]) & equal(colour[1], colour[2])).min() != 255:
        return image
    grey = colour.extract_band(0).copy(interpretation="b-w")
    return grey if alpha is None else grey.bandjoin(alpha)
