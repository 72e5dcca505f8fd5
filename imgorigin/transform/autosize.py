"""Resolving ``w_auto`` and ``dpr_auto`` (``responsive.py``) into plain ``w_<px>`` and ``dpr_<n>``.

Done before the cache key is taken (``Renderer.evaluate``: delivery with the request's hints, eager jobs
and the API without any), so two hints that round to one width share one cache entry, and the renderer
never meets an unresolved value.
"""

from __future__ import annotations

import math

from imgorigin.transform import params as p
from imgorigin.transform.exprplan import Block, Node, Program
from imgorigin.transform.limits import Limits
from imgorigin.transform.responsive import AutoDpr, AutoWidth, Hints
from imgorigin.transform.transformation import Component, Transformation
from imgorigin.transform.values import Length


def component_hints(component: Component) -> tuple[bool, bool]:
    """(has w_auto, has dpr_auto) for one component."""
    width, dpr = component.get(p.WIDTH), component.get(p.DPR)
    return isinstance(width, AutoWidth), isinstance(dpr, AutoDpr)


def uses_hints(plan: Transformation | Program) -> tuple[bool, bool]:
    """(has w_auto, has dpr_auto): which hints the response to this plan depends on. Overlays cannot
    hold either (the parser refuses them there), so the top-level components tell."""
    if isinstance(plan, Program):
        return program_hints(plan)
    found = [component_hints(component) for component in plan]
    return any(width for width, _ in found), any(dpr for _, dpr in found)


def auto_dpr(hints: Hints, limits: Limits) -> float:
    if hints.dpr is None:
        return 1.0
    return float(min(max(1, math.ceil(hints.dpr)), limits.max_dpr))


def auto_width(auto: AutoWidth, hints: Hints, original_width: int, limits: Limits) -> tuple[int, bool]:
    """(device pixels, whether a hint chose them): rounded up to the step, capped at the original and
    the largest output side. A fallback or the original's width is not rounded: the URL chose it."""
    if hints.width is not None:
        wanted = hints.width
    elif hints.viewport_width is not None:
        wanted = math.ceil(hints.viewport_width * (hints.dpr or 1.0))
    else:
        fallback = auto.fallback if auto.fallback is not None else original_width
        return max(1, min(fallback, original_width, limits.max_output_side)), False
    rounded = math.ceil(wanted / auto.step) * auto.step
    return max(1, min(rounded, original_width, limits.max_output_side)), True


def resolve_component(component: Component, hints: Hints, original_width: int, limits: Limits) -> Component:
    """``component`` with its w_auto and dpr_auto replaced by what ``hints`` choose (as it is without them)."""
    if component_hints(component) == (False, False):
        return component
    values = dict(component.values)
    width, dpr = values.get(p.WIDTH.key), values.get(p.DPR.key)
    pixels, hinted = auto_width(width, hints, original_width, limits) if isinstance(width, AutoWidth) else (0, False)
    if isinstance(dpr, AutoDpr):
        # Next to a hinted w_auto the width already counts device pixels. A fixed w_ or h_ is not pushed
        # past the largest side (an explicit dpr_ is refused there when parsed).
        dpr = 1.0 if hinted else auto_dpr(hints, limits)
        fixed = [length.value for length in (width, values.get(p.HEIGHT.key))
                 if isinstance(length, Length) and not length.relative]
        if fixed:
            dpr = min(dpr, math.floor(limits.max_output_side / max(fixed) * 100) / 100)
        values[p.DPR.key] = dpr
    if isinstance(width, AutoWidth):
        if dpr is not None:
            pixels = max(1, min(pixels, math.floor(limits.max_output_side / dpr)))
        values[p.WIDTH.key] = Length(pixels)
    return Component.of(values, component.overlay)


def resolve(plan: Transformation, hints: Hints, original_width: int, limits: Limits) -> Transformation:
    """The plan with every w_auto and dpr_auto replaced by what ``hints`` choose for this image."""
    if uses_hints(plan) == (False, False):
        return plan
    return Transformation(tuple(resolve_component(c, hints, original_width, limits) for c in plan))


def program_hints(program: Program) -> tuple[bool, bool]:
    """``uses_hints`` for a program, whichever branches the image will take: a response varies with every
    hint any branch may read. w_auto and dpr_auto stand in a program as written (never as expressions)."""
    width = dpr = False
    pending: list[Node] = list(program.nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, Block):
            pending += [*node.then, *node.otherwise]
            continue
        for token in node.tokens:
            if isinstance(token, str) and not node.in_layer and not node.places:
                width = width or token.startswith("w_auto")
                dpr = dpr or token == "dpr_auto"
    return width, dpr
