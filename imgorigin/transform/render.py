"""Executing a ``Transformation`` with libvips.

Each component runs the steps of ``STEPS`` in that fixed order (resize/crop, rotate, effects), every
step skipping itself when the component does not ask for it. The first step that needs pixels decides
how the source is opened: a downscale opens it with shrink-on-load at the final size (a 24 MP JPEG is
never fully decoded for a thumbnail); anything else decodes it fully. libvips evaluates once, at encode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imgorigin.errors import InvalidTransformation, Unprocessable
from imgorigin.transform import frames
from imgorigin.transform import params as p
from imgorigin.transform.autobg import background_of, resolve_on_source
from imgorigin.transform.colors import WHITE, Color
from imgorigin.transform.cost import check_cost
from imgorigin.transform.deadline import Deadline
from imgorigin.transform.decode import load, load_scaled, normalise
from imgorigin.transform.encode import encode
from imgorigin.transform.facecrop import aim, faces_of, wants_faces
from imgorigin.transform.formats import lossless_webp, refuse_still
from imgorigin.transform.geometry import Resize, check_output_size, plan_resize
from imgorigin.transform.overlay import step_overlay
from imgorigin.transform.plan import Component, Limits, Transformation
from imgorigin.transform.shape import add_border, fade, round_corners
from imgorigin.transform.source import Blob, Header
from imgorigin.transform.values import Flip, Gravity, OutputFormat

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.effects.background_removal import BackgroundRemover
    from imgorigin.transform.faces import FaceDetector
    from imgorigin.transform.levels import LevelPicker

LayerOpener = Callable[[str], tuple[Blob, Header]]


@dataclass
class RenderContext:
    """What steps may read besides the image: limits, the output format, the source header."""

    header: Header
    limits: Limits
    output_format: OutputFormat
    no_rotate: bool = False
    background: Color | None = None
    # Opens another original by id (blob, header) for l_ overlays; set by whoever runs the render.
    open_layer: LayerOpener | None = None
    # The co_ of the component being applied (e_colorize reads it); set per component by step_effects.
    color: Color | None = None
    # The component whose effect is being applied, for effects qualified by its x_, y_, w_, h_.
    component: Component | None = None
    # The renderer's bounded, lazily loaded model for e_background_removal (None: not offered here).
    background_remover: BackgroundRemover | None = None
    # The render's deadline and memory budget: every evaluation of pixels goes through it.
    deadline: Deadline = field(default_factory=Deadline)
    # And its face detector, for g_face and the _faces effects.
    face_detector: FaceDetector | None = None


@dataclass
class Canvas:
    """The image being built: still just the source (nothing decoded yet), or a libvips image."""

    blob: Blob | Callable[[], Blob]  # the original, or what fetches it (once) when a step needs it
    header: Header
    image: pyvips.Image | None = None
    # Shrink-on-load reads the source top to bottom only; steps that jump around need it in memory.
    sequential: bool = False
    # Upload-time reduced copies of the source (upright), for a first resize that needs fewer pixels.
    levels: LevelPicker | None = None
    page: int = 0  # the frame to load (pg_, 0-based) when only one is wanted

    @property
    def size(self) -> tuple[int, int]:
        if self.image is None:
            return self.header.size
        return self.image.width, _page_height(self.image)

    def random_access(self, ctx: RenderContext) -> pyvips.Image:
        """The pixels, readable in any order (rotations, smart crops, vertical flips)."""
        image = self.pixels(ctx)
        if self.sequential:
            image = self.image = ctx.deadline.copy_memory(image)
            self.sequential = False
        return image

    def source_for(self, size: tuple[int, int], ctx: RenderContext) -> Blob:
        """The original, or an upload-time level that serves a first resize to ``size`` (the same size:
        the lossless full-size copy, when there is one)."""
        # Levels are stored upright, so they cannot serve a render that ignores EXIF orientation.
        if (self.levels is None or self.header.pages > 1 or self.page
                or (ctx.no_rotate and self.header.orientation != 1)):
            return self.original()
        return self.levels(size) or self.original()

    def original(self) -> Blob:
        if callable(self.blob):
            self.blob = self.blob()
        return self.blob

    def pixels(self, ctx: RenderContext) -> pyvips.Image:
        if self.image is None:
            image = load(self.source_for(self.header.size, ctx), pages=self.header.pages, page=self.page)
            if not ctx.no_rotate:
                image = image.autorot()
            self.image = normalise(image)
        return self.image


def _page_height(image: pyvips.Image) -> int:
    return int(image.get("page-height")) if image.get_typeof("page-height") else int(image.height)


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


def _fill_for(image: pyvips.Image, background: Color | None, ctx: RenderContext) -> list[int]:
    """The pixel value of a background: the b_ colour, else transparent where the image has alpha
    (and the format keeps it), else white, as Cloudinary pads."""
    if background is None and ctx.output_format.supports_alpha and image.hasalpha():
        colour = Color(0, 0, 0, 0)
    else:
        colour = background or WHITE
    bands = image.bands
    if bands in (1, 2):
        grey = round(0.2126 * colour.r + 0.7152 * colour.g + 0.0722 * colour.b)
        return [grey] if bands == 1 else [grey, colour.a]
    return colour.rgb if bands == 3 else colour.rgba


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
    effect_ctx = dataclasses.replace(ctx, color=component.get(p.COLOR), component=component)
    canvas.image = call.unit.apply(image, call.arg, effect_ctx)


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
    check_output_size((image.width, _page_height(image)), ctx.limits)
    canvas.image = image


def step_opacity(canvas: Canvas, component: Component, ctx: RenderContext) -> None:
    opacity = component.get(p.OPACITY)
    if opacity is None:
        return
    canvas.image = fade(canvas.pixels(ctx), opacity)


# Within one component: geometry, then effects, then shape (corners, border, opacity), as Cloudinary
# draws a border around the effected image. Chain components for another order.
STEPS: tuple[Step, ...] = (step_resize, step_rotate, step_effects, step_radius, step_border, step_opacity)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    format: OutputFormat
    width: int
    height: int


def _background_of(plan: Transformation) -> Color | None:
    found = None
    for component in plan:
        found = background_of(component) or found
    return found


def apply_components(canvas: Canvas, plan: Transformation, ctx: RenderContext) -> None:
    """Run every component on the canvas; an overlay component draws its layer instead."""
    for component in plan:
        if component.overlay is not None:
            step_overlay(canvas, component, ctx)
            continue
        for step in STEPS:
            ctx.deadline.check()
            if step in FRAME_AWARE or canvas.header.pages == 1:
                step(canvas, component, ctx)
            else:
                _per_frame(step, canvas, component, ctx)


# Steps that handle a stack of animation frames themselves; the others see one frame at a time.
FRAME_AWARE: frozenset[Step] = frozenset({step_resize})


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
    image = canvas.random_access(ctx) if _reorders_rows(step, component) else canvas.pixels(ctx)

    def run(frame: pyvips.Image) -> pyvips.Image:
        ctx.deadline.check()
        single = Canvas(canvas.blob, canvas.header, image=frame)
        step(single, component, ctx)
        assert single.image is not None
        return single.image

    canvas.image = frames.map_frames(image, run)


def _reorders_rows(step: Step, component: Component) -> bool:
    if step is step_rotate:
        angle = component.get(p.ANGLE)
        return angle is not None and any(mode is not Flip.HFLIP for mode in angle.modes)
    # Effects read neighbourhoods (blur) or whole frames (trim): measured, a blur streamed frame by
    # frame from a sequential strip runs many times slower than from memory.
    return step is step_effects


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
    ctx = RenderContext(header, limits, fmt, no_rotate=bool(angle and angle.ignores_exif),
                        background=_background_of(plan), open_layer=open_layer,
                        background_remover=background_remover, deadline=deadline or Deadline(),
                        face_detector=face_detector)
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
    if ctx.no_rotate and header.orientation in (5, 6, 7, 8):
        # a_ignore: the stored pixels, not the upright view, are what the steps see and size against.
        header = dataclasses.replace(header, width=header.height, height=header.width)
    # Only the frames wanted are loaded, and with one every step works on a still image.
    ctx.header = header
    check_cost(plan, header, limits)
    canvas = Canvas(blob, header, levels=levels, page=first_page)
    apply_components(canvas, plan, ctx)
    image = canvas.pixels(ctx)
    check_output_size((image.width, _page_height(image)), limits)
    pages = frames.page_count(image)
    if pages > 1 and image.width * image.height > limits.max_animation_pixels:
        raise InvalidTransformation(
            f"The animation would be {pages} frames of {image.width}x{_page_height(image)}; the budget is "
            f"{limits.max_animation_pixels // 1_000_000} megapixels over all frames"
        )
    if image.hasalpha() and not fmt.supports_alpha:
        image = image.flatten(background=(ctx.background or WHITE).rgb)
    return image


def adds_alpha(plan: Transformation) -> bool:
    """Whether the plan makes pixels transparent (rounded corners, opacity, a translucent border, a
    cut-out), so that f_auto picks PNG over JPEG for it as it would for a source with alpha."""
    for component in plan:
        if component.overlay is not None:
            continue  # its o_ is the layer's opacity; the base keeps its own alpha
        opacity = component.get(p.OPACITY)
        border = component.get(p.BORDER)
        effect = component.get(p.EFFECT)
        if (
            component.has(p.RADIUS)
            or (opacity is not None and opacity < 100)
            or (border is not None and border.color.a < 255)
            or (effect is not None and effect.unit.adds_alpha)
        ):
            return True
    return False


def render(
    blob: Blob | Callable[[], Blob],
    header: Header,
    plan: Transformation,
    fmt: OutputFormat,
    limits: Limits,
    *,
    timeout: float | None = None,
    deadline: Deadline | None = None,
    levels: LevelPicker | None = None,
    open_layer: LayerOpener | None = None,
    background_remover: BackgroundRemover | None = None,
    face_detector: FaceDetector | None = None,
    auto_format: bool = False,
) -> Rendered:
    """Render ``plan`` on an original to ``fmt`` within ``deadline`` (or ``timeout`` seconds).
    Raises ImgOriginError subclasses only.

    ``blob`` may be a function that fetches the original: it is called only if no level serves."""
    import pyvips

    with deadline or Deadline(timeout) as limit:
        try:
            image = build(blob, header, plan, fmt, limits, levels, open_layer,
                          background_remover=background_remover, deadline=limit, face_detector=face_detector)
        except pyvips.Error as exc:
            limit.check()
            raise Unprocessable("The image could not be rendered", detail=str(exc), code="render_failed") from None
        data = encode(image, fmt, plan, limit, lossless=lossless_webp(plan, header, fmt, auto_format))
        return Rendered(data, fmt, image.width, _page_height(image))


__all__ = ["Gravity", "InvalidTransformation", "RenderContext", "Rendered", "render"]
