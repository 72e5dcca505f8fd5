"""Output choices the flags make: lossless WebP for graphics under f_auto unless ``fl_lossy``, and
``fl_animated``/``fl_awebp`` refusing a still where an animation was asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.flags import ANIMATED, AWEBP, LOSSY, output_flags
from imgorigin.transform.values import OutputFormat

if TYPE_CHECKING:
    from imgorigin.transform.source import Header
    from imgorigin.transform.transformation import Transformation

# fl_lossy on a GIF: how far a pixel may drift to reuse the previous frame's (libvips' default is 0).
LOSSY_GIF_ERROR = 8
GRAPHICS_FORMATS = frozenset({"png", "gif"})


def _flags(plan: Transformation) -> set[str]:
    return set(output_flags(component.get(p.FLAGS) for component in plan).names)


def keeps_graphics_exact(plan: Transformation, header: Header) -> bool:
    """f_auto on a PNG or GIF original without fl_lossy: graphics go out lossless (Cloudinary's rule)."""
    return header.format in GRAPHICS_FORMATS and LOSSY not in _flags(plan)


def lossless_webp(plan: Transformation, header: Header, fmt: OutputFormat, auto_format: bool) -> bool:
    return auto_format and fmt is OutputFormat.WEBP and keeps_graphics_exact(plan, header)


def refuse_still(plan: Transformation, fmt: OutputFormat) -> None:
    """fl_animated / fl_awebp: an animated original must not silently become its first frame."""
    asked = _flags(plan) & {ANIMATED, AWEBP}
    if asked:
        raise InvalidTransformation(
            f"fl_{sorted(asked)[0]} keeps the animation, which {fmt.value.upper()} cannot hold: "
            "use f_gif, f_webp or f_auto"
        )
