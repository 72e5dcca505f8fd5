"""Effects on part of the image: ``e_blur_region`` and ``e_pixelate_region``, on the rectangle given
by ``x_``, ``y_``, ``w_`` and ``h_`` of their component (the whole image without them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from imgorigin.transform.effects.bands import page_height, premultiplied
from imgorigin.transform.effects.blur import BLUR_SIGMA_PER_UNIT, gaussian, pixelate
from imgorigin.transform.effects.registry import effect, optional_int

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import Qualifiers, RenderContext

REGION = frozenset({"x", "y", "w", "h"})


class Box(NamedTuple):
    left: int
    top: int
    width: int
    height: int


def region_of(qualifiers: Qualifiers, width: int, height: int) -> Box | None:
    """The rectangle x_ y_ w_ h_ name (the whole image without them), clipped to the image; None when
    it misses the image."""
    x_len, y_len = qualifiers.x, qualifiers.y
    w_len, h_len = qualifiers.width, qualifiers.height
    left = 0 if x_len is None else x_len.resolve(width) if x_len.value > 0 else 0
    top = 0 if y_len is None else y_len.resolve(height) if y_len.value > 0 else 0
    right = width if w_len is None else left + w_len.resolve(width)
    bottom = height if h_len is None else top + h_len.resolve(height)
    right, bottom = min(right, width), min(bottom, height)
    if right <= left or bottom <= top:
        return None
    return Box(left, top, right - left, bottom - top)


def apply_in(image: pyvips.Image, box: Box, change: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """``change`` applied to ``box`` only; the rest of the image is untouched."""
    inside = change(image.crop(box.left, box.top, box.width, box.height))
    return image.insert(inside.cast(image.format), box.left, box.top)


def _face_boxes(image: pyvips.Image, ctx: RenderContext, name: str) -> list[Box]:
    from imgorigin.errors import InvalidTransformation, Unavailable

    # Frames reach effects one at a time; a detection per frame would be unbounded work.
    if ctx.header.pages > 1 or page_height(image) != image.height:
        raise InvalidTransformation(f"e_{name} works on still images: pick one frame with pg_")
    if ctx.face_detector is None:
        raise Unavailable("Face detection is not available here", code="faces_not_installed")
    faces = ctx.face_detector.faces(None, lambda: image)
    return [Box(*face.scaled(image.width, image.height)) for face in faces]


@effect("blur_faces", parse_arg=optional_int(500, 1, 2000), example="e_blur_faces", random_access=True)
def blur_faces(image: pyvips.Image, strength: int, ctx: RenderContext) -> pyvips.Image:
    """Blurs every face found in the image (OpenCV's frontal-face detector), as ``e_blur`` would.
    Strength 1-2000, default 500. Needs the ``faces`` extra. Example: ``e_blur_faces``."""
    sigma = strength * BLUR_SIGMA_PER_UNIT
    for box in _face_boxes(image, ctx, "blur_faces"):
        image = apply_in(image, box, lambda part: premultiplied(part, lambda img: gaussian(img, sigma, ctx.deadline)))
    return image


@effect("pixelate_faces", parse_arg=optional_int(5, 1, 200), example="e_pixelate_faces:12", random_access=True)
def pixelate_faces(image: pyvips.Image, size: int, ctx: RenderContext) -> pyvips.Image:
    """Pixelates every face found in the image in blocks of size x size pixels. Size 1-200,
    default 5. Needs the ``faces`` extra. Example: ``e_pixelate_faces:12``."""
    for box in _face_boxes(image, ctx, "pixelate_faces"):
        image = apply_in(image, box, lambda part: pixelate(part, size, ctx))
    return image


@effect("blur_region", parse_arg=optional_int(100, 1, 2000), example="e_blur_region:300,x_40,y_20,w_200,h_120",
        qualifiers=REGION, random_access=True)
def blur_region(image: pyvips.Image, strength: int, ctx: RenderContext) -> pyvips.Image:
    """Blurs the rectangle ``x_``, ``y_``, ``w_``, ``h_`` (pixels, or decimals as fractions of the image;
    the whole image when omitted) as ``e_blur`` would. Strength 1-2000, default 100.
    Example: ``e_blur_region:300,x_40,y_20,w_200,h_120``."""
    box = region_of(ctx.qualifiers, image.width, image.height)
    if box is None:
        return image
    sigma = strength * BLUR_SIGMA_PER_UNIT
    return apply_in(image, box, lambda part: premultiplied(part, lambda img: gaussian(img, sigma, ctx.deadline)))


@effect("pixelate_region", parse_arg=optional_int(5, 1, 200), example="e_pixelate_region:15,x_40,y_20,w_200,h_120",
        qualifiers=REGION, random_access=True)
def pixelate_region(image: pyvips.Image, size: int, ctx: RenderContext) -> pyvips.Image:
    """Pixelates the rectangle ``x_``, ``y_``, ``w_``, ``h_`` (the whole image when omitted) in blocks of
    size x size pixels aligned on its top-left corner. Size 1-200, default 5.
    Example: ``e_pixelate_region:15,x_40,y_20,w_200,h_120``."""
    box = region_of(ctx.qualifiers, image.width, image.height)
    if box is None:
        return image
    return apply_in(image, box, lambda part: pixelate(part, size, ctx))
