"""What a plan will cost to render, known from sizes alone, refused before any pixel is computed.

The unit is the megapixel pass: computing one megapixel once, about what decoding and re-encoding it
costs (25 ms of CPU on the reference machine). A component costs the pixels it produces, times the
frames of an animation, times its operations' weights; the source costs its decoded pixels. Weights
come from ``bench/effects_cost.py`` (a 10 MP render with each effect against one without):
``e_sharpen`` costs about three passes more, ``e_trim`` seven, a smart crop two (the memory copy and
the attention search). Sizes follow the plan as the renderer will (``plan_resize``); where only the
pixels can tell (``e_trim``), the estimate keeps the larger size. No pyvips here.
"""

from __future__ import annotations

import math

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.geometry import plan_resize
from imgorigin.transform.limits import Limits
from imgorigin.transform.source import Header
from imgorigin.transform.transformation import Component, Transformation
from imgorigin.transform.values import Flip

EFFECT_WEIGHTS = {"sharpen": 3.0, "trim": 7.0, "pixelate": 2.0, "unsharp_mask": 1.5, "blur": 1.5,
                  "background_removal": 3.0}
SMART_CROP = 2.0  # the memory copy and the attention search
ROTATE = 2.0  # random access: a memory copy, then the rotation


def _mp(size: tuple[int, int]) -> float:
    return size[0] * size[1] / 1e6


def _rotated(size: tuple[int, int], degrees: float) -> tuple[int, int]:
    radians = math.radians(degrees)
    cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
    return math.ceil(size[0] * cos + size[1] * sin), math.ceil(size[0] * sin + size[1] * cos)


def _layer(size: tuple[int, int], plan: Transformation) -> float:
    """A layer (built once, its first frame only), starting from the page's size: its components at
    pixel sizes cost what they say; relative ones are relative to the page (or the layer, which the
    output caps keep near it)."""
    cost = _mp(size)
    for component in plan:
        passes, size = _component(size, component)
        cost += passes
    return cost


def _component(size: tuple[int, int], component: Component) -> tuple[float, tuple[int, int]]:
    """(megapixel passes for one frame, the size after the component)."""
    if component.overlay is not None:
        return 2 * _mp(size), size  # the blend, and the page read again under the layer
    cost = 0.0
    resize = plan_resize(size, component)
    if resize is not None:
        cost += max(_mp(resize.scaled), _mp(resize.output)) + (SMART_CROP * _mp(resize.scaled) if resize.smart else 0)
        size = resize.output
    angle = component.get(p.ANGLE)
    if angle is not None:
        for mode in angle.modes:
            if isinstance(mode, float) and mode % 90:
                size = _rotated(size, mode)
        cost += _mp(size) * ROTATE if any(mode is not Flip.HFLIP for mode in angle.modes) else _mp(size)
    effect = component.get(p.EFFECT)
    if effect is not None:
        cost += _mp(size) * EFFECT_WEIGHTS.get(effect.name, 1.0)
    border = component.get(p.BORDER)
    if border is not None:
        size = (size[0] + 2 * border.width, size[1] + 2 * border.width)
    cost += _mp(size) * sum(1 for param in (p.RADIUS, p.BORDER, p.OPACITY) if component.has(param))
    return cost, size


def estimate(plan: Transformation, header: Header) -> float:
    """Megapixel passes to render ``plan`` on a source with ``header`` (frames already narrowed)."""
    frames = header.pages
    cost = _mp(header.size) * frames
    size = header.size
    for component in plan:
        if component.overlay is not None:
            cost += _layer(size, component.overlay.transformation)
        passes, size = _component(size, component)
        cost += passes * frames
    return cost


def check_cost(plan: Transformation, header: Header, limits: Limits) -> None:
    if not limits.max_render_cost:
        return
    cost = estimate(plan, header)
    if cost > limits.max_render_cost:
        raise InvalidTransformation(
            f"This transformation is too expensive for this image: about {cost:.0f} megapixel passes "
            f"({header.pages} frame(s) of {header.width}x{header.height}); the limit is "
            f"{limits.max_render_cost:g}",
            code="too_expensive",
        )


# Effects whose output size only the pixels tell (a trim's box, an outline's growth).
SIZE_FROM_PIXELS = frozenset({"trim", "outline"})


def size_after(size: tuple[int, int], component: Component) -> tuple[int, int] | None:
    """The image's size after ``component`` (not an overlay's), or None when only the pixels can tell."""
    effect = component.get(p.EFFECT)
    if effect is not None and effect.name in SIZE_FROM_PIXELS:
        return None
    return _component(size, component)[1]
