"""Decoding an original's pixels: in full, streamed, or shrunk on load straight to the size a render
needs, then normalised to 8-bit sRGB (or grey) with the colour profile applied and dropped.

Every original the steps see comes through here, so they never meet CMYK, 16 bits or a profile.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.transform.jpegshrink import load_block_shrunk
from imgorigin.transform.source import open_blob
from imgorigin.transform.vips import LoadOptions, ThumbnailOptions, get_blob, maximum, set_blob

if TYPE_CHECKING:
    import pyvips


def load(blob: Blob, *, pages: int = 1, page: int = 0, sequential: bool = False) -> pyvips.Image:
    """Full decode (random access): for crops and ops that need the original's pixels.

    ``pages`` frames of an animation are loaded from frame ``page`` (0-based) on.
    ``sequential`` streams it top to bottom instead, for pipelines that read it in that order once."""
    options: LoadOptions = {"fail_on": "error"}
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
    options: ThumbnailOptions = {
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
    if image.get_typeof("icc-profile-data") and not _already_srgb(image):
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


# Most photos on the web carry an sRGB profile (cameras, phones, editors tag their JPEGs). Converting
# sRGB to sRGB changes no pixel by more than rounding, yet cost 16 ms of CPU in a 1920x1080 -> 800x600
# WebP render (12%, docs/performance.md). Whether a profile is sRGB is decided by what it does, not by
# its name: a 64x64 probe holding 16 levels of every channel goes through the same transform, and a
# profile that moves no value by more than 1 is sRGB. The verdict is kept per profile digest.
_VERDICTS: dict[bytes, bool] = {}
_MAX_VERDICTS = 64
_PROBE_LEVELS = range(0, 256, 17)


def _already_srgb(image: pyvips.Image) -> bool:
    if image.interpretation != "srgb" or image.format != "uchar" or image.bands not in (3, 4):
        return False
    profile = get_blob(image, "icc-profile-data")
    digest = hashlib.sha256(profile).digest()
    verdict = _VERDICTS.get(digest)
    if verdict is None:
        verdict = is_srgb_profile(profile)
        if len(_VERDICTS) >= _MAX_VERDICTS:
            _VERDICTS.clear()
        _VERDICTS[digest] = verdict
    return verdict


def is_srgb_profile(profile: bytes) -> bool:
    """True when converting through ``profile`` to sRGB leaves every 8-bit value within 1 of itself:
    an sRGB profile, whatever its name, or a broken RGB one that libvips ignores (then as before)."""
    import pyvips

    if profile[16:20] != b"RGB ":  # the header's data colour space: libvips ignores any other on RGB pixels
        return False
    pixels = bytes(v for r in _PROBE_LEVELS for g in _PROBE_LEVELS for b in _PROBE_LEVELS for v in (r, g, b))
    probe = pyvips.Image.new_from_memory(pixels, 64, 64, 3, "uchar").copy(interpretation="srgb")
    tagged = probe.copy()
    set_blob(tagged, "icc-profile-data", profile)
    try:
        converted = tagged.icc_transform("srgb", embedded=True, intent="perceptual")
        if converted.bands != 3 or converted.width != probe.width:
            return False
        return maximum((converted.cast("int") - probe.cast("int")).abs()) <= 1
    except pyvips.Error:
        return False
