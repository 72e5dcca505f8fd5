"""Decoding an original's pixels: in full, streamed, or shrunk on load straight to the size a render
needs, then normalised to 8-bit sRGB (or grey) with the colour profile applied and dropped.

Every original the steps see comes through here, so they never meet CMYK, 16 bits or a profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.transform.jpegshrink import load_block_shrunk
from imgorigin.transform.source import open_blob

if TYPE_CHECKING:
    import pyvips


def load(blob: Blob, *, pages: int = 1, page: int = 0, sequential: bool = False) -> pyvips.Image:
    """Full decode (random access): for crops and ops that need the original's pixels.

    ``pages`` frames of an animation are loaded from frame ``page`` (0-based) on.
    ``sequential`` streams it top to bottom instead, for pipelines that read it in that order once."""
    options: dict[str, object] = {"fail_on": "error"}
    if sequential:
        options["access"] = "sequential"
    if pages > 1:
        options["n"] = pages
    if page:
        options["page"] = page
    return open_blob(blob, **options)


def load_scaled(
    blob: Blob, width: int, height: int, *, no_rotate: bool, pages: int = 1, page: int = 0
) -> pyvips.Image:
    """Shrink-on-load straight to width x height (the decoder skips what it can), upright."""
    import pyvips

    if pages == 1 and page == 0:
        shrunk = load_block_shrunk(blob, width, height, no_rotate=no_rotate)
        if shrunk is not None:
            return shrunk
    options: dict[str, object] = {
        "height": height, "size": "force", "no_rotate": no_rotate, "fail_on": "error",
    }
    parts = (f"n={pages}" if pages > 1 else "", f"page={page}" if page else "")
    load_options = ",".join(part for part in parts if part)
    if blob.path is not None:
        name = str(blob.path) + (f"[{load_options}]" if load_options else "")
        return pyvips.Image.thumbnail(name, width, **options)
    assert blob.data is not None
    return pyvips.Image.thumbnail_buffer(blob.data, width, option_string=load_options, **options)


def normalise(image: pyvips.Image) -> pyvips.Image:
    """sRGB (or grey), 8 bits per channel: colour profiles converted, then dropped with the metadata."""
    if image.get_typeof("icc-profile-data"):
        import pyvips

        try:
            image = image.icc_transform("srgb", embedded=True, intent="perceptual")
        except pyvips.Error:  # a broken profile is ignored rather than failing the render
            image = image.colourspace("srgb")
    interpretation = image.interpretation
    if interpretation not in ("srgb", "b-w"):
        target = "b-w" if interpretation in ("grey16", "b-w") else "srgb"
        image = image.colourspace(target)
    if image.format != "uchar":
        image = image.cast("uchar")
    return image
