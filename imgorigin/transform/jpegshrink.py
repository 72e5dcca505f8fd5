"""JPEG shrink-on-load at 1/8 when the output is small enough for the block shrink to be invisible.

libvips' ``thumbnail`` leaves at least a factor of two for its final resize, so for a 13x reduction
(4000 px to 300) it decodes at 1/4. Decoding at 1/8 (libjpeg-turbo scales in the DCT) and resizing the
last 1.67x with lanczos3 costs 13% less CPU, at SSIM 0.997 against an exact rendering where thumbnail
reaches 0.998 (``bench/levers.py``). Under a factor of 12, i.e. a final resize under 1.5x, the 8x8
block average starts to show, so those stay with ``thumbnail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.vips import LoadOptions, get_int

if TYPE_CHECKING:
    import pyvips

    from imgorigin.blob import Blob

MIN_FACTOR = 12.0
_JPEG_MAGIC = b"\xff\xd8\xff"


def is_jpeg(blob: Blob) -> bool:
    if blob.data is not None:
        return blob.data[:3] == _JPEG_MAGIC
    assert blob.path is not None
    with open(blob.path, "rb") as handle:
        return handle.read(3) == _JPEG_MAGIC


def load_block_shrunk(blob: Blob, width: int, height: int, *, no_rotate: bool) -> pyvips.Image | None:
    """The JPEG decoded at 1/8 and resized to width x height (upright), or None where it does not apply."""
    import pyvips

    if not is_jpeg(blob):
        return None
    options: LoadOptions = {"shrink": 8, "access": "sequential", "fail_on": "error"}
    if blob.path is not None:
        image = pyvips.Image.new_from_file(str(blob.path), **options)
    else:
        assert blob.data is not None
        image = pyvips.Image.new_from_buffer(blob.data, "", **options)
    orientation = get_int(image, "orientation", 1)
    turned = not no_rotate and orientation in (5, 6, 7, 8)
    target_w, target_h = (height, width) if turned else (width, height)
    # image is already 1/8 of the source: the source's own reduction factor is 8x these ratios
    if min(8 * image.width / target_w, 8 * image.height / target_h) < MIN_FACTOR:
        return None
    image = image.resize(target_w / image.width, vscale=target_h / image.height, kernel="lanczos3")
    if not no_rotate and orientation != 1:
        image = image.copy_memory().autorot()  # small by now; rotating needs random access
    return image
