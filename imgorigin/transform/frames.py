"""Animations as libvips holds them: every frame stacked in one tall image, ``page-height`` tall each.

A step written for one picture would crop, pad or rotate that whole strip, so ``map_frames`` cuts the
strip into frames, lets a function work on each, and stacks the results again (the pipeline runs the
steps that are not frame-aware through it). Frames share one smart-crop box (``smart_box``, picked on
the first frame): a box that moves from frame to frame makes the animation shake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.geometry import Box
from imgorigin.transform.vips import attention, get_int

if TYPE_CHECKING:
    import pyvips


def page_height(image: pyvips.Image) -> int:
    height = get_int(image, "page-height", image.height)
    return height if 0 < height <= image.height and image.height % height == 0 else image.height


def page_count(image: pyvips.Image) -> int:
    return int(image.height) // page_height(image)


def split(image: pyvips.Image) -> list[pyvips.Image]:
    height = page_height(image)
    return [image.crop(0, top, image.width, height) for top in range(0, image.height, height)]


def first(image: pyvips.Image) -> pyvips.Image:
    """The first frame alone (``split(image)[0]`` would build every frame's crop to throw them away)."""
    return image.crop(0, 0, image.width, page_height(image)) if page_count(image) > 1 else image


def join(frames: list[pyvips.Image]) -> pyvips.Image:
    import pyvips

    if len(frames) == 1:
        return frames[0]
    sizes = {(frame.width, frame.height) for frame in frames}
    if len(sizes) != 1:  # a content-dependent step, such as e_trim, cut each frame its own way
        raise InvalidTransformation(
            "This transformation gives the frames of the animation different sizes (e_trim does, on "
            "moving content): pick one frame with pg_"
        )
    stacked = pyvips.Image.arrayjoin(frames, across=1).copy()
    stacked.set_type(pyvips.GValue.gint_type, "page-height", frames[0].height)
    return stacked


def map_frames(image: pyvips.Image, func: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """``func`` applied to each frame; a still image is simply passed to it."""
    if page_count(image) == 1:
        return func(image)
    frames = split(image)
    done = [func(frame) for frame in frames]
    if all(after is before for after, before in zip(done, frames, strict=True)):
        return image
    return join(done)


def smart_box(frame: pyvips.Image, width: int, height: int) -> Box:
    """Where libvips' attention crop would cut ``width`` x ``height`` out of ``frame``."""
    x, y = attention(frame, width, height)
    left = min(max(0, x - width // 2), frame.width - width)
    top = min(max(0, y - height // 2), page_height(frame) - height)
    return Box(left, top, width, height)
