"""Running a ``Transformation`` on a source: every component in order, each through the steps of
``steps.STEPS`` (an overlay component draws its layer instead), one frame at a time for the steps that
do not handle animations themselves. The result is a lazy libvips image; libvips evaluates it once, at
encode, except what a step must compute on the way (memory copies, smart crops), under the deadline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation
from imgorigin.transform import frames
from imgorigin.transform import params as p
from imgorigin.transform.autobg import background_of, resolve_on_source
from imgorigin.transform.colors import WHITE, Color
from imgorigin.transform.context import Canvas, LayerOpener, RenderContext, declared_page_height
from imgorigin.transform.cost import check_cost
from imgorigin.transform.deadline import Deadline
from imgorigin.transform.formats import refuse_still
from imgorigin.transform.geometry import check_output_size
from imgorigin.transform.limits import Limits
from imgorigin.transform.overlay import step_overlay
from imgorigin.transform.source import Header
from imgorigin.transform.steps import FRAME_AWARE, STEPS, Step, reorders_rows
from imgorigin.transform.transformation import Component, Transformation
from imgorigin.transform.values import OutputFormat
from imgorigin.transform.vips import floats

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.cutout import BackgroundRemover
    from imgorigin.transform.faces import FaceDetector
    from imgorigin.transform.levels import LevelPicker


def _background_of(plan: Transformation) -> Color | None:
    found = None
    for component in plan:
        found = background_of(component) or found
    return found


def apply_components(canvas: Canvas, plan: Transformation, ctx: RenderContext) -> None:
    """Run every component on the canvas; an overlay component draws its layer instead."""
    for component in plan:
        if component.overlay is not None:
            step_overlay(canvas, component, ctx, apply_components)
            continue
        for step in STEPS:
            ctx.deadline.check()
            if step in FRAME_AWARE or canvas.header.pages == 1:
                step(canvas, component, ctx)
            else:
                _per_frame(step, canvas, component, ctx)


def _per_frame(step: Step, canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    # Try the step on the first frame: most steps have nothing to do in most components, and then the
    # strip is left alone (no split, and no copy into memory).
    first = frames.first(canvas.pixels(ctx))
    probe = Canvas(canvas.blob, canvas.header, image=first)
    step(probe, component, ctx)
    if probe.image is first:
        return
    # Frames are cut out of the strip and read in order, frame after frame, so a step that reads each
    # frame's rows in order (a mirror, a border, rounded corners) streams a sequential strip; one that
    # reorders rows (a vertical flip, a rotation) needs the strip in memory: 500 frames of 620x620 are
    # 770 MB, charged to the render's memory budget.
    image = canvas.random_access(ctx) if reorders_rows(step, component) else canvas.pixels(ctx)

    def run(frame: pyvips.Image) -> pyvips.Image:
        ctx.deadline.check()
        single = Canvas(canvas.blob, canvas.header, image=frame)
        step(single, component, ctx)
        assert single.image is not None
        return single.image

    canvas.image = frames.map_frames(image, run)


def build(
    blob: Blob | Callable[[], Blob], header: Header, plan: Transformation, fmt: OutputFormat, limits: Limits,
    levels: LevelPicker | None = None,
    open_layer: LayerOpener | None = None,
    *,
    background_remover: BackgroundRemover | None = None,
    deadline: Deadline | None = None,
    face_detector: FaceDetector | None = None,
) -> pyvips.Image:
    """Build the lazy libvips pipeline for ``plan``; what it must compute on the way (memory copies,
    smart crops...) runs under ``deadline``, and the rest when it is encoded."""
    plan = resolve_on_source(plan, blob, header, levels)
    first = plan.components[0] if plan.components else None
    angle = first.get(p.ANGLE) if first is not None else None
    no_rotate = bool(angle and angle.ignores_exif)
    wanted = plan.output(p.PAGE)
    first_page = 0
    if wanted is not None:
        last = wanted.last or header.pages
        if wanted.first > header.pages or last > header.pages:
            raise InvalidTransformation(f"Invalid pg_{wanted.canonical()}: the image has {header.pages} frame(s)")
        first_page = wanted.first - 1
        header = dataclasses.replace(header, pages=last - first_page)
    if header.pages > 1 and not fmt.supports_animation:
        refuse_still(plan, fmt)
        header = dataclasses.replace(header, pages=1)
    if no_rotate and header.orientation in (5, 6, 7, 8):
        # a_ignore: the stored pixels, not the upright view, are what the steps see and size against.
        header = dataclasses.replace(header, width=header.height, height=header.width)
    # Only the frames wanted are loaded, and with one every step works on a still image.
    ctx = RenderContext(header, limits, fmt, no_rotate=no_rotate, background=_background_of(plan),
                        open_layer=open_layer, background_remover=background_remover,
                        deadline=deadline or Deadline(), face_detector=face_detector)
    check_cost(plan, header, limits)
    canvas = Canvas(blob, header, levels=levels, page=first_page)
    apply_components(canvas, plan, ctx)
    image = canvas.pixels(ctx)
    check_output_size((image.width, declared_page_height(image)), limits)
    pages = frames.page_count(image)
    if pages > 1 and image.width * image.height > limits.max_animation_pixels:
        raise InvalidTransformation(
            f"The animation would be {pages} frames of {image.width}x{declared_page_height(image)}; the budget is "
            f"{limits.max_animation_pixels // 1_000_000} megapixels over all frames"
        )
    if image.hasalpha() and not fmt.supports_alpha:
        image = image.flatten(background=floats((ctx.background or WHITE).rgb))
    return image
