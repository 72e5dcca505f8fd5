"""Encoding a built image: the libvips saver and its options for each format and output flag, the
quality (given, or searched for ``q_auto``), and the PNG palette reduction, all under the render's
deadline."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from imgorigin.errors import Unprocessable
from imgorigin.transform import params as p
from imgorigin.transform import pngreduce
from imgorigin.transform.flags import KEEP_IPTC, LOSSY, PROGRESSIVE, Flags, Progression, output_flags
from imgorigin.transform.formats import LOSSY_GIF_ERROR
from imgorigin.transform.quality import SEARCH_RANGE, auto_quality, searchable
from imgorigin.transform.threads import every_core
from imgorigin.transform.values import OutputFormat
from imgorigin.transform.vips import SaveOptions

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.deadline import Deadline
    from imgorigin.transform.output import Quality
    from imgorigin.transform.transformation import Transformation

DEFAULT_QUALITY = {OutputFormat.JPEG: 80, OutputFormat.WEBP: 80, OutputFormat.AVIF: 55, OutputFormat.TIFF: 80}
# fl_keep_iptc keeps descriptive metadata; the ICC profile goes either way (pixels are sRGB by then).
KEEP_METADATA = "exif:xmp:iptc"


def encode(
    image: pyvips.Image, fmt: OutputFormat, plan: Transformation, deadline: Deadline, lossless: bool = False
) -> bytes:
    flags = output_flags(component.get(p.FLAGS) for component in plan)
    suffix, options = save_options(fmt, flags)
    if lossless:
        options = {**options, "lossless": True}
    quality = plan.output(p.QUALITY)
    with every_core() if fmt is OutputFormat.AVIF else contextlib.nullcontext():
        return _encode(image, fmt, plan, deadline, suffix, options, quality)


def _encode(image: pyvips.Image, fmt: OutputFormat, plan: Transformation, deadline: Deadline, suffix: str,
            options: SaveOptions, quality: Quality | None) -> bytes:
    import pyvips

    try:
        if quality is not None and quality.value is not None and "Q" in options:
            options["Q"] = quality.value
        elif quality is not None and quality.auto is not None and fmt in SEARCH_RANGE and searchable(image):
            # Rendered once into memory (under the deadline), measured, then encoded whole at that quality.
            image = memory = deadline.copy_memory(image)
            level = quality.auto
            options["Q"] = deadline.evaluate(memory, lambda: auto_quality(
                memory, fmt, level, lambda sample, q: bytes(sample.write_to_buffer(suffix, **{**options, "Q": q})),
            ))
        if fmt is OutputFormat.PNG and deadline.evaluate(image, lambda: pngreduce.applies(image)):
            image = pngreduce.reduce(deadline.copy_memory(image))
        final = image
        return deadline.evaluate(final, lambda: bytes(final.write_to_buffer(suffix, **options)))
    except pyvips.Error as exc:
        deadline.check()
        raise Unprocessable("The image could not be rendered", detail=str(exc), code="render_failed") from None


def save_options(fmt: OutputFormat, flags: Flags) -> tuple[str, SaveOptions]:
    """The libvips saver suffix and options for ``fmt`` with the output flags, at default quality."""
    q = DEFAULT_QUALITY.get(fmt, 80)
    keep = KEEP_METADATA if KEEP_IPTC in flags else "none"
    progressive = PROGRESSIVE.name in flags and flags.value(PROGRESSIVE) != Progression.NONE
    options: SaveOptions
    if fmt is OutputFormat.JPEG:
        options = {"Q": q, "optimize_coding": True, "interlace": progressive}
        if progressive and flags.value(PROGRESSIVE) == Progression.SEMI:
            options["optimize_scans"] = True  # the encoder picks fewer scans, for the smallest file
    elif fmt is OutputFormat.WEBP:
        options = {"Q": q, "effort": 4}
    elif fmt is OutputFormat.AVIF:
        # Effort 1 (aom speed 8, imgproxy's default): 56% of effort 2's CPU for 1-5% more bytes at
        # the same SSIM; effort 0 costs 10% more bytes (bench/levers.py, docs/performance.md).
        options = {"Q": q, "effort": 1, "compression": "av1"}
    elif fmt is OutputFormat.PNG:
        # Adaptive filtering (libvips' default, no filter, is 17% over Pillow's bytes) at zlib level 5:
        # within 3.5% of Pillow's default bytes at half the CPU of level 7 (bench/png_levels.py).
        options = {"compression": 5, "filter": "all", "interlace": progressive}
    elif fmt is OutputFormat.GIF:
        # Quantiser effort 1: on 20 frames of 240x160, 1.0 s against 4.9 s at the default 7, for 2.6 dB
        # PSNR and the same bytes (dithering dominates GIF's look); a 100-frame GIF stays well inside
        # the render timeout.
        options = {"interlace": progressive, "effort": 1}
        if LOSSY in flags:
            options["interframe_maxerror"] = LOSSY_GIF_ERROR
    else:
        options = {"compression": "deflate"}
    return f".{fmt.value}", {**options, "keep": keep}
