"""Drawing an overlay (``l_`` ... ``fl_layer_apply``) onto the image being built.

The layer is built like any image, from its own source and its own components, then placed at its
gravity and offsets (offsets point away from the anchored edge, as in Cloudinary: ``g_south_east,x_10``
sits 10 px left of the right edge). ``u_`` draws it beneath instead, ``fl_tiled`` repeats it over the
whole image, and a blend mode (``e_multiply``...) says how it meets the pixels under it. On an
animation the layer is built once and stamped on every frame.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from imgorigin.blob import Blob
from imgorigin.errors import InvalidTransformation, NotFound
from imgorigin.transform import frames
from imgorigin.transform import params as p
from imgorigin.transform.colors import Color
from imgorigin.transform.context import Canvas, RenderContext
from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.flags import RELATIVE, TILED
from imgorigin.transform.geometry import check_output_size
from imgorigin.transform.layers import ImageLayer, TextLayer
from imgorigin.transform.numbers import round_half_up
from imgorigin.transform.responsive import fixed_width
from imgorigin.transform.source import Header
from imgorigin.transform.transformation import Component, Transformation
from imgorigin.transform.values import CropMode, Gravity, Length, OutputFormat
from imgorigin.transform.vips import TextOptions

if TYPE_CHECKING:
    import pyvips

BLACK = Color(0, 0, 0)
ALIGN: dict[str, Literal["low", "centre", "high"]] = {"left": "low", "center": "centre", "right": "high"}
MEASURE_PX = 64  # the font size, in pixels, at which a text's extent is measured before it is drawn


# Runs a transformation's components on a canvas: how a layer is built (the pipeline's own driver).
Apply = Callable[[Canvas, Transformation, RenderContext], None]


def step_overlay(canvas: Canvas, component: Component, ctx: RenderContext, apply: Apply) -> None:
    overlay = component.overlay
    if overlay is None:
        return
    base = canvas.pixels(ctx)
    if frames.page_count(base) > 1:
        # Each frame is read twice (all of it, and the patch under the layer): from a sequential
        # (shrink-on-load) strip that stalls libvips' threads; from memory it costs nothing.
        base = canvas.random_access(ctx)
    size = base.width, frames.page_height(base)
    sub = _resolve_relative(overlay.transformation, size)
    if isinstance(overlay.source, TextLayer):
        layer = _text_layer(overlay.source, sub, ctx, apply)
    else:
        layer = _image_layer(overlay.source, sub, ctx, apply)
    layer = _rgba(layer)
    opacity = component.get(p.OPACITY)
    if opacity is not None and opacity < 100:
        layer = _fade(layer, opacity)
    left, top = _position(size, (layer.width, layer.height), component)
    flags = component.get(p.FLAGS)
    if flags is not None and TILED in flags:
        layer, left, top = _tile(layer, left, top, size), 0, 0
    blend = component.get(p.EFFECT)
    mode = BLEND_MODES[blend.name] if blend is not None else "over"
    if mode == "dest-in":
        # A mask also clears everything the layer does not cover: blend over the whole page.
        layer = layer.embed(left, top, *size, extend="background", background=[0, 0, 0, 0])
        left = top = 0
    canvas.image = _composite(base, layer, left, top, under=overlay.under, mode=mode)


def _tile(layer: pyvips.Image, left: int, top: int, size: tuple[int, int]) -> pyvips.Image:
    """The layer repeated over a page of ``size``, one tile sitting where the placement put it."""
    width, height = layer.width, layer.height
    start_x, start_y = left % width, top % height  # where the grid's first whole tile begins
    across = math.ceil((size[0] + width - start_x) / width)
    down = math.ceil((size[1] + height - start_y) / height)
    return layer.replicate(across, down).crop(width - start_x if start_x else 0,
                                              height - start_y if start_y else 0, *size)


def _resolve_relative(plan: Transformation, base: tuple[int, int]) -> Transformation:
    """fl_relative: decimal w_/h_ are fractions of the base image, so turn them into its pixels."""
    out = []
    for component in plan:
        flags = component.get(p.FLAGS)
        if flags is None or RELATIVE not in flags:
            out.append(component)
            continue
        values = dict(component.values)
        for param, reference in ((p.WIDTH, base[0]), (p.HEIGHT, base[1])):
            length = values.get(param.key)
            if isinstance(length, Length) and length.relative:
                values[param.key] = Length(length.resolve(reference))
        rest = flags.without(RELATIVE)
        if rest.items:
            values["fl"] = rest
        else:
            del values["fl"]
        out.append(Component.of(values))
    return Transformation(tuple(out))


def _image_layer(source: ImageLayer, plan: Transformation, ctx: RenderContext, apply: Apply) -> pyvips.Image:
    if ctx.open_layer is None:
        raise NotFound(f"No such overlay image: l_{source.image_id}", code="layer_not_found")
    blob, header = ctx.open_layer(source.image_id)
    header = dataclasses.replace(header, pages=1)  # an animated layer lends its first frame
    layer_ctx = RenderContext(header, ctx.limits, OutputFormat.PNG, deadline=ctx.deadline, open_layer=ctx.open_layer,
                              face_detector=ctx.face_detector)
    canvas = Canvas(blob, header)
    apply(canvas, plan, layer_ctx)
    return canvas.pixels(layer_ctx)


def _text_color(plan: Transformation) -> Color:
    first = plan.components[0] if plan.components else None
    colour = first.get(p.COLOR) if first is not None else None
    return colour or BLACK


def _wrap_width(plan: Transformation) -> tuple[int | None, Transformation]:
    """Cloudinary wraps text to ``c_fit,w_<px>`` in the l_ component instead of scaling it."""
    first = plan.components[0] if plan.components else None
    width = fixed_width(first.get(p.WIDTH)) if first is not None else None
    if first is None or width is None or width.relative or first.get(p.CROP) is not CropMode.FIT \
            or first.has(p.HEIGHT, p.ASPECT_RATIO, p.DPR):
        return None, plan
    rest = {key: value for key, value in first.values if key not in ("c", "w")}
    return int(width.value), Transformation(((Component.of(rest),) if rest else ()) + plan.components[1:])


def _text_mask(source: TextLayer, wrap: int | None, ctx: RenderContext) -> pyvips.Image:

    # Pango lays text out eagerly: refuse what would be over the output caps before it tries. First a
    # bound from the characters (every line break Pango honours counts: \r, U+2028, U+2029, U+0085...).
    lines = source.text.splitlines() or [source.text]
    advance = 0.7 * source.size + max(0, source.letter_spacing or 0)
    width = round(advance * max(len(line) for line in lines))
    rows = len(lines) if wrap is None else sum(math.ceil(advance * len(line) / wrap) or 1 for line in lines)
    check_output_size((min(width, wrap or width), round((1.2 * source.size + (source.line_spacing or 0)) * rows)),
                      ctx.limits)
    face = source.face
    font_file = face.file_for(source.bold, source.italic)
    if font_file is None:
        style = ("bold " if source.bold else "") + ("italic " if source.italic else "")
        raise InvalidTransformation(f"The font {source.font} ({style}{face.family}) is not installed on this server")
    style = " ".join(word for word, on in (("Bold", source.bold), ("Italic", source.italic)) if on)
    font = " ".join(filter(None, (face.family, style, str(source.size))))
    # Then Pango's own layout, at a small scale: glyphs wider than the bound, or combining marks that
    # stack (a letter with 400 accents is one character 97 em tall), are measured, not guessed.
    scale = max(1, min(72, 72 * MEASURE_PX // source.size)) / 72
    sample = _draw_text(source, font, font_file, wrap, scale)
    check_output_size((math.ceil(sample.width / scale), math.ceil(sample.height / scale)), ctx.limits)
    ctx.deadline.check()
    return sample if scale == 1 else _draw_text(source, font, font_file, wrap, 1.0)


def _draw_text(source: TextLayer, font: str, font_file: Path, wrap: int | None, scale: float) -> pyvips.Image:
    import pyvips

    # The text is data, never Pango markup: escape it so '<' and '&' are drawn, not interpreted.
    markup = html.escape(source.text, quote=False)
    if source.letter_spacing:
        markup = f'<span letter_spacing="{round(source.letter_spacing * 1024 * scale)}">{markup}</span>'
    options: TextOptions = {"fontfile": str(font_file), "dpi": round(72 * scale),
                                  "align": ALIGN[source.align or "left"]}
    if wrap is not None:
        options["width"] = max(1, round(wrap * scale))
        options["wrap"] = "word-char"
    if source.line_spacing:
        options["spacing"] = round(source.line_spacing * scale)
    return pyvips.Image.text(markup, font=font, **options)


def _text_layer(source: TextLayer, plan: Transformation, ctx: RenderContext, apply: Apply) -> pyvips.Image:
    wrap, plan = _wrap_width(plan)
    mask = _text_mask(source, wrap, ctx)
    colour = _text_color(plan)
    ink = mask.new_from_image(colour.rgb).copy(interpretation="srgb")
    alpha = (mask * (colour.a / 255)).cast("uchar") if colour.a < 255 else mask
    image = ink.bandjoin(alpha)
    header = Header("png", image.width, image.height, 1, True, 1)
    layer_ctx = RenderContext(header, ctx.limits, OutputFormat.PNG, deadline=ctx.deadline, open_layer=ctx.open_layer,
                              face_detector=ctx.face_detector)
    canvas = Canvas(Blob(), header, image=image)
    apply(canvas, plan, layer_ctx)
    return canvas.pixels(layer_ctx)


def _rgba(image: pyvips.Image) -> pyvips.Image:
    if image.bands < 3:
        image = image.colourspace("srgb")
    if not image.hasalpha():
        image = image.bandjoin(255)
    return image.cast("uchar") if image.format != "uchar" else image


def _fade(layer: pyvips.Image, opacity: int) -> pyvips.Image:
    colour = layer.extract_band(0, n=3)
    alpha = (layer.extract_band(3) * (opacity / 100)).cast("uchar")
    return colour.bandjoin(alpha)


def _offset(length: Length | None, reference: int) -> int:
    if length is None:
        return 0
    return round_half_up(length.value * reference) if length.relative else int(length.value)


def _position(base: tuple[int, int], layer: tuple[int, int], component: Component) -> tuple[int, int]:
    gravity = component.get(p.GRAVITY) or Gravity.CENTER
    anchor_x, anchor_y = gravity.anchor
    x, y = _offset(component.get(p.X), base[0]), _offset(component.get(p.Y), base[1])
    left = round_half_up((base[0] - layer[0]) * anchor_x) + (x if anchor_x < 1 else -x)
    top = round_half_up((base[1] - layer[1]) * anchor_y) + (y if anchor_y < 1 else -y)
    return left, top


def _composite(
    base: pyvips.Image, layer: pyvips.Image, left: int, top: int, *, under: bool, mode: str = "over"
) -> pyvips.Image:
    """Blend only the rectangle the layer covers and insert it back: compositing the whole image would
    cost a float pass over every pixel (a 10 MP base, 0.8 s) for a logo in one corner."""
    width, height = base.width, frames.page_height(base)
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, left + layer.width), min(height, top + layer.height)
    if x1 <= x0 or y1 <= y0:
        return base  # placed entirely outside the image
    piece = layer.crop(x0 - left, y0 - top, x1 - x0, y1 - y0)
    if base.bands < 3:
        base = base.colourspace("srgb")
    had_alpha = bool(base.hasalpha())
    if mode == "dest-in" and not had_alpha:  # a mask makes transparency where there was none
        base, had_alpha = base.bandjoin(255), True

    def stamp(frame: pyvips.Image) -> pyvips.Image:
        region = frame.crop(x0, y0, x1 - x0, y1 - y0)
        if not had_alpha:
            region = region.bandjoin(255)
        mixed = piece.composite2(region, "over") if under else region.composite2(piece, mode)
        if mixed.format != "uchar":
            mixed = mixed.cast("uchar")
        if not had_alpha:
            mixed = mixed.extract_band(0, n=3)
        return frame.insert(mixed, x0, y0)

    return frames.map_frames(base, stamp)
