"""The steps a component runs, in the fixed order of ``STEPS``: resize/crop, rotate, effects, then
corners, border and opacity. Each reads the parameters it needs and skips itself when the component
does not ask for it; the first that needs pixels decides how the source is opened (``Canvas``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from imgorigin.transform import frames
from imgorigin.transform import params as p
from imgorigin.transform.autobg import background_of
from imgorigin.transform.colors import WHITE, Color
from imgorigin.transform.context import Canvas, Qualifiers, RenderContext, declared_page_height
from imgorigin.transform.decode import load, load_scaled, normalise
from imgorigin.transform.facecrop import aim, faces_of, wants_faces
from imgorigin.transform.geometry import Resize, check_output_size, plan_resize
from imgorigin.transform.responsive import fixed_width
from imgorigin.transform.shape import add_border, fade, round_corners
from imgorigin.transform.transformation import Component
from imgorigin.transform.values import Flip
from imgorigin.transform.vips import floats

if TYPE_CHECKING:
    import pyvips

Step = Callable[[Canvas, Component, RenderContext], None]


def step_resize(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    resize = plan_resize(canvas.size, component)
    if resize is None:
        return
    if wants_faces(component):
        resize = aim(resize, component, canvas.size, faces_of(canvas, ctx))
    check_output_size(resize.scaled, ctx.limits)
    check_output_size(resize.output, ctx.limits)
    background = background_of(component) or ctx.background
    if canvas.image is None and resize.scaled != canvas.header.size:
        canvas.image = normalise(
            load_scaled(canvas.source_for(resize.scaled, ctx), *resize.scaled, no_rotate=ctx.no_rotate,
                        pages=canvas.header.pages, page=canvas.page)
        )
        canvas.sequential = True
    elif (canvas.image is None and resize.crop is not None and not resize.smart and canvas.header.pages == 1
          and (ctx.no_rotate or canvas.header.orientation == 1)):
        # A plain crop of the original streams it and stops decoding after the crop's last row.
        canvas.image = normalise(load(canvas.source_for(canvas.header.size, ctx), page=canvas.page, sequential=True))
        canvas.sequential = True
    image = canvas.random_access(ctx) if resize.smart else canvas.pixels(ctx)

    def finish(frame: pyvips.Image, resize: Resize) -> pyvips.Image:
        if (frame.width, frame.height) != resize.scaled:
            frame = _resize_exact(frame, resize.scaled)
        ctx.deadline.check()
        return _finish_resize(frame, resize, background, ctx)

    if resize.smart and resize.crop is not None and frames.page_count(image) > 1:
        # One box for every frame, picked on the first: a box that moves makes the animation shake.
        first = frames.first(image)
        if (first.width, first.height) != resize.scaled:
            first = _resize_exact(first, resize.scaled)
        crop = resize.crop
        box = ctx.deadline.evaluate(first, lambda: frames.smart_box(first, crop.width, crop.height))
        resize = dataclasses.replace(resize, crop=box, smart=False)
    canvas.image = frames.map_frames(image, lambda frame: finish(frame, resize))


def _resize_exact(image: pyvips.Image, size: tuple[int, int]) -> pyvips.Image:
    width, height = size
    hscale = width / image.width
    vscale = height / image.height
    out = image.resize(hscale, vscale=vscale, kernel="lanczos3")
    if (out.width, out.height) != size:  # libvips rounds; pin the exact size the plan promised
        out = out.embed(0, 0, width, height, extend="copy") if out.width < width or out.height < height else out
        out = out.crop(0, 0, width, height)
    return out


def _finish_resize(image: pyvips.Image, resize: Resize, background: Color | None, ctx: RenderContext) -> pyvips.Image:
    if resize.crop is not None:
        box = resize.crop
        if resize.smart:
            return ctx.deadline.evaluate(
                image, lambda: image.smartcrop(box.width, box.height, interesting="attention"))
        return image.crop(box.left, box.top, box.width, box.height)
    if resize.pad is not None:
        box = resize.pad
        return image.embed(
            box.left, box.top, box.width, box.height, extend="background",
            background=_fill_for(image, background, ctx),
        )
    return image


def _fill_for(image: pyvips.Image, background: Color | None, ctx: RenderContext) -> list[float]:
    """The pixel value of a background: the b_ colour, else transparent where the image has alpha
    (and the format keeps it), else white, as Cloudinary pads."""
    if background is None and ctx.output_format.supports_alpha and image.hasalpha():
        colour = Color(0, 0, 0, 0)
    else:
        colour = background or WHITE
    bands = image.bands
    if bands in (1, 2):
        grey = round(0.2126 * colour.r + 0.7152 * colour.g + 0.0722 * colour.b)
        return floats([grey] if bands == 1 else [grey, colour.a])
    return floats(colour.rgb if bands == 3 else colour.rgba)


def _with_alpha_for(image: pyvips.Image, background: Color | None, ctx: RenderContext) -> pyvips.Image:
    """Add an alpha channel when new corners must be transparent."""
    if image.hasalpha() or background is not None or not ctx.output_format.supports_alpha:
        return image
    return image.bandjoin(255)


def step_rotate(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    angle = component.get(p.ANGLE)
    if angle is None:
        return
    background = background_of(component) or ctx.background
    image = canvas.random_access(ctx)
    for mode in angle.modes:
        if mode is Flip.HFLIP:
            image = image.fliphor()
        elif mode is Flip.VFLIP:
            image = image.flipver()
        elif isinstance(mode, float):
            degrees = mode % 360
            if degrees in (90.0, 180.0, 270.0):
                image = image.rot(f"d{int(degrees)}")
            elif degrees:
                image = _with_alpha_for(image, background, ctx)
                image = image.rotate(degrees, background=_fill_for(image, background, ctx))
                check_output_size((image.width, image.height), ctx.limits)
    canvas.image = image


def step_effects(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    call = component.get(p.EFFECT)
    if call is None:
        return
    image = canvas.random_access(ctx) if call.unit.random_access else canvas.pixels(ctx)
    # w_auto never qualifies an effect (the parser refuses it there), so the width is a plain one.
    qualifiers = Qualifiers(component.get(p.X), component.get(p.Y), fixed_width(component.get(p.WIDTH)),
                            component.get(p.HEIGHT), component.get(p.COLOR))
    canvas.image = call.apply(image, dataclasses.replace(ctx, qualifiers=qualifiers))


def step_radius(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    radius = component.get(p.RADIUS)
    if radius is None or component.has(p.BORDER):  # with a border, step_border rounds both together
        return
    canvas.image = round_corners(canvas.pixels(ctx), radius)


def step_border(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    border = component.get(p.BORDER)
    if border is None:
        return
    radius = component.get(p.RADIUS)
    image = canvas.pixels(ctx)
    if radius is not None:
        image = round_corners(image, radius)
    image = add_border(image, border, radius)
    check_output_size((image.width, declared_page_height(image)), ctx.limits)
    canvas.image = image


def step_opacity(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    opacity = component.get(p.OPACITY)
    if opacity is None:
        return
    canvas.image = fade(canvas.pixels(ctx), opacity)


# Within one component: geometry, then effects, then shape (corners, border, opacity), as Cloudinary
# draws a border around the effected image. Chain components for another order.
STEPS: tuple[Step, ...] = (step_resize, step_rotate, step_effects, step_radius, step_border, step_opacity)


# Steps that handle a stack of animation frames themselves; the others see one frame at a time.
FRAME_AWARE: frozenset[Step] = frozenset({step_resize})


def reorders_rows(step: Step, component: Component) -> bool:
    if step is step_rotate:
        angle = component.get(p.ANGLE)
        return angle is not None and any(mode is not Flip.HFLIP for mode in angle.modes)
    # Effects read neighbourhoods (blur) or whole frames (trim): measured, a blur streamed frame by
    # frame from a sequential strip runs many times slower than from memory.
    return step is step_effects
