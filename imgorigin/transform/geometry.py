"""Cloudinary's crop modes as pure arithmetic on sizes: no pixels, no pyvips.

``plan_resize`` turns the current image size and a component's w_/h_/c_/g_/x_/y_/ar_/dpr_ into a
``Resize``: scale the image to ``scaled``, then either cut ``crop`` out of it or place it on a
``pad`` canvas. The renderer only executes it, and the shrink-on-load decision reads ``scaled``.
"""

from __future__ import annotations

from dataclasses import dataclass

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.limits import Limits
from imgorigin.transform.numbers import round_half_up
from imgorigin.transform.responsive import fixed_dpr, fixed_width
from imgorigin.transform.transformation import Component
from imgorigin.transform.values import CropMode, Gravity, Length

# c_fill_pad fills while that crops away at most this share of the covering image, and pads beyond.
FILL_PAD_MAX_CROP = 0.2


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class Resize:
    scaled: tuple[int, int]
    crop: Box | None = None  # a region of the scaled image to keep
    pad: Box | None = None  # canvas size, and where the scaled image sits on it
    smart: bool = False  # crop by libvips attention (g_auto) rather than by ``crop``'s position

    @property
    def output(self) -> tuple[int, int]:
        if self.crop is not None:
            return self.crop.width, self.crop.height
        if self.pad is not None:
            return self.pad.width, self.pad.height
        return self.scaled


def _place(free_x: int, free_y: int, gravity: Gravity) -> tuple[int, int]:
    anchor_x, anchor_y = gravity.anchor
    return round_half_up(free_x * anchor_x), round_half_up(free_y * anchor_y)


def _target(size: tuple[int, int], component: Component) -> tuple[int | None, int | None]:
    width, height = size
    w_len, h_len = fixed_width(component.get(p.WIDTH)), component.get(p.HEIGHT)
    w = w_len.resolve(width) if w_len else None
    h = h_len.resolve(height) if h_len else None
    ratio = component.get(p.ASPECT_RATIO)
    if ratio is not None:
        if w is not None and h is None:
            h = max(1, round_half_up(w / ratio))
        elif h is not None and w is None:
            w = max(1, round_half_up(h * ratio))
        elif w is None and h is None:
            if width / height > ratio:
                h, w = height, max(1, round_half_up(height * ratio))
            else:
                w, h = width, max(1, round_half_up(width / ratio))
    dpr = fixed_dpr(component.get(p.DPR))
    if dpr is not None:
        w = None if w is None else max(1, round_half_up(w * dpr))
        h = None if h is None else max(1, round_half_up(h * dpr))
    return w, h


def _scale_to(size: tuple[int, int], factor: float) -> tuple[int, int]:
    return max(1, round_half_up(size[0] * factor)), max(1, round_half_up(size[1] * factor))


def _offset(length: Length | None, reference: int) -> int:
    if length is None:
        return 0
    return round_half_up(length.value * reference) if length.relative else int(length.value)


def _crop_region(size: tuple[int, int], w: int | None, h: int | None, component: Component) -> Box:
    width, height = size
    cw, ch = min(w or width, width), min(h or height, height)
    gravity = component.get(p.GRAVITY)
    x, y = _offset(component.get(p.X), width), _offset(component.get(p.Y), height)
    if gravity is None:
        gravity = Gravity.NORTH_WEST if component.has(p.X, p.Y) else Gravity.CENTER
    anchor_x, anchor_y = (0.5, 0.5) if gravity is Gravity.AUTO else gravity.anchor
    # Offsets move away from the anchored edge: x_10 with g_east starts 10 px left of the right edge.
    left = round_half_up((width - cw) * anchor_x) + (x if anchor_x < 1 else -x)
    top = round_half_up((height - ch) * anchor_y) + (y if anchor_y < 1 else -y)
    left = min(max(0, left), width - cw)
    top = min(max(0, top), height - ch)
    return Box(left, top, cw, ch)


def plan_resize(size: tuple[int, int], component: Component) -> Resize | None:
    """The resize a component asks of an image of ``size`` (width, height), or None if it asks none."""
    if not component.has(p.WIDTH, p.HEIGHT, p.ASPECT_RATIO) or component.effect_qualifiers & {"w", "h"}:
        return None
    width, height = size
    mode = component.get(p.CROP) or CropMode.SCALE
    w, h = _target(size, component)
    gravity = component.get(p.GRAVITY)

    if mode is CropMode.CROP:
        return Resize(size, crop=_crop_region(size, w, h, component), smart=gravity is Gravity.AUTO)

    fx = None if w is None else w / width
    fy = None if h is None else h / height
    if mode is CropMode.SCALE:
        if fx is not None and fy is not None:
            return Resize((w or width, h or height))
        return Resize(_scale_to(size, fx if fx is not None else fy or 1.0))

    given = [f for f in (fx, fy) if f is not None]
    fit = min(given)
    cover = max(given)
    if mode in (CropMode.FIT, CropMode.LIMIT, CropMode.MFIT):
        factor = {CropMode.FIT: fit, CropMode.LIMIT: min(fit, 1.0), CropMode.MFIT: max(fit, 1.0)}[mode]
        return Resize(size if factor == 1.0 else _scale_to(size, factor))

    if mode is CropMode.FILL_PAD and w is not None and h is not None:
        covered = _scale_to(size, cover)
        if 1 - (w * h) / (covered[0] * covered[1]) > FILL_PAD_MAX_CROP:
            mode = CropMode.PAD  # filling would cut away too much of the image: pad it instead
        else:
            mode, gravity = CropMode.FILL, Gravity.AUTO

    if mode in (CropMode.FILL, CropMode.LFILL, CropMode.THUMB, CropMode.AUTO, CropMode.FILL_PAD):
        if w is None or h is None:
            factor = cover if mode is not CropMode.LFILL else min(cover, 1.0)
            return Resize(_scale_to(size, factor))
        factor = cover if mode is not CropMode.LFILL else min(cover, 1.0)
        scaled = _scale_to(size, factor)
        # Rounding may leave the scaled image a pixel short of the target: never crop past its edge.
        cw, ch = min(w, scaled[0]), min(h, scaled[1])
        if mode in (CropMode.THUMB, CropMode.AUTO) and gravity is None:
            gravity = Gravity.AUTO
        gravity = gravity or Gravity.CENTER
        if gravity is Gravity.AUTO:
            return Resize(scaled, crop=Box(0, 0, cw, ch), smart=True)
        left, top = _place(scaled[0] - cw, scaled[1] - ch, gravity)
        return Resize(scaled, crop=Box(left, top, cw, ch))

    # pad, lpad: fit inside, then place on a w x h canvas at the gravity (default centre)
    factor = fit if mode is CropMode.PAD else min(fit, 1.0)
    scaled = size if factor == 1.0 else _scale_to(size, factor)
    canvas_w, canvas_h = w or scaled[0], h or scaled[1]
    scaled = (min(scaled[0], canvas_w), min(scaled[1], canvas_h))
    place = gravity if gravity not in (None, Gravity.AUTO) else Gravity.CENTER
    left, top = _place(canvas_w - scaled[0], canvas_h - scaled[1], place)
    return Resize(scaled, pad=Box(left, top, canvas_w, canvas_h))


def check_output_size(size: tuple[int, int], limits: Limits) -> None:
    width, height = size
    if max(width, height) > limits.max_output_side or width * height > limits.max_output_pixels:
        raise InvalidTransformation(
            f"The result would be {width}x{height} pixels; the limit is {limits.max_output_side} "
            f"per side and {limits.max_output_pixels // 1_000_000} megapixels"
        )
