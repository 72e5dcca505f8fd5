"""Parsing a transformation string into its typed, immutable plan (``transformation.Transformation``).

``parse("c_fill,w_300,h_200/e_grayscale")`` reads each component's ``key_value`` tokens through their
``Param``, folds ``l_`` ... ``fl_layer_apply`` runs into overlay components, and refuses (400, exact
message) anything unknown, duplicated, malformed, over a limit, or a combination ``rules`` forbids.
"""

from __future__ import annotations

from typing import Any

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.flags import LAYER_APPLY, RELATIVE, TILED, Flags
from imgorigin.transform.limits import Limits
from imgorigin.transform.rules import (
    PLACEMENT_KEYS,
    apply_flags,
    check_component,
    check_layer_component,
    check_placement,
    refuse_blend,
)
from imgorigin.transform.transformation import Component, Overlay, Transformation


def parse_component(raw: str, limits: Limits, *, check: bool = True) -> Component:
    if not raw:
        raise InvalidTransformation("Empty transformation component")
    items: dict[str, Any] = {}
    for token in raw.split(","):
        key, sep, value = token.partition("_")
        param = p.PARAMS.get(key)
        if not sep or not value:
            if param is None:
                raise InvalidTransformation(f"Unknown parameter {token!r}: expected key_value, such as w_300")
            raise InvalidTransformation(f"Parameter {key}_ needs a value, e.g. {param.example}")
        if param is None:
            raise InvalidTransformation(f"Unknown parameter {key}_ in {token!r}")
        if key in items:
            raise InvalidTransformation(f"Parameter {key}_ appears twice in the component {raw!r}")
        items[key] = param.parse(value)
    component = Component.of(items)
    if check:
        check_component(component, raw, limits)
    return component


def _layer_part(items: dict[str, Any], raw: str, limits: Limits) -> list[Component]:
    if not items:
        return []
    layer = Component.of(items)
    check_layer_component(layer, raw, limits)
    return [layer]


def _is_blend(key: str, value: Any) -> bool:
    return key == "e" and value.name in BLEND_MODES


# A layer may hold layers (text on a logo, then the logo on the image), this many deep.
MAX_LAYER_DEPTH = 2


def _closing(components: list[Component], start: int) -> int | None:
    """The fl_layer_apply that closes the overlay opened at ``start``, skipping nested l_ ... runs."""
    depth = 0
    for k in range(start + 1, len(components)):
        applies = LAYER_APPLY in apply_flags(components[k])
        if components[k].has(p.LAYER, p.UNDERLAY) and not applies:
            depth += 1
        elif applies:
            if depth == 0:
                return k
            depth -= 1
    return None


def _group_overlays(
    components: list[Component], raws: list[str], limits: Limits, depth: int = 0
) -> list[Component]:
    """Fold ``l_`` ... ``fl_layer_apply`` runs into single components that carry an ``Overlay``.

    Without a later fl_layer_apply, the l_ component is the whole overlay (Cloudinary's short form,
    ``l_logo,w_100,g_south_east,x_10``): its g_, x_, y_, o_ place the layer, the rest transform it.
    Inside a run, another closed l_ ... fl_layer_apply run is an overlay of the layer (``depth`` 1).
    """
    grouped: list[Component] = []
    index = 0
    while index < len(components):
        component, raw = components[index], raws[index]
        if component.has(p.LAYER) and component.has(p.UNDERLAY):
            raise InvalidTransformation(f"l_ and u_ cannot share a component ({raw})")
        under = component.has(p.UNDERLAY)
        source = component.get(p.UNDERLAY) if under else component.get(p.LAYER)
        if source is not None and depth >= MAX_LAYER_DEPTH:
            raise InvalidTransformation(
                f"Overlays nest {MAX_LAYER_DEPTH} deep at most: close one with fl_layer_apply first ({raw})"
            )
        if source is None and depth > 0:
            check_layer_component(component, raw, limits)
            grouped.append(component)
            index += 1
            continue
        if source is None:
            flags = apply_flags(component)
            needs_layer = [name for name in (LAYER_APPLY, RELATIVE, TILED) if name in flags]
            if needs_layer:
                raise InvalidTransformation(f"fl_{needs_layer[0]} needs an overlay (l_) before it ({raw})")
            refuse_blend(component, raw)
            check_component(component, raw, limits)
            grouped.append(component)
            index += 1
            continue
        items = {key: value for key, value in component.values if key not in ("l", "u")}
        close = _closing(components, index)
        if close is None or LAYER_APPLY in apply_flags(component):
            place = {key: value for key, value in items.items() if key in PLACEMENT_KEYS or _is_blend(key, value)}
            rest = {key: value for key, value in items.items() if key not in place}
            flags = place.pop("fl", Flags())
            if RELATIVE in flags:
                rest["fl"] = Flags.plain(RELATIVE)
            if flags.without(RELATIVE).items:  # fl_tiled, and output flags, which apply to the whole image
                place["fl"] = flags.without(RELATIVE)
            layer_parts = _layer_part(rest, raw, limits)
            placement = check_placement(place, raw)
            close = index
        else:
            layer_parts = _layer_part(items, raw, limits)
            layer_parts += _group_overlays(components[index + 1:close], raws[index + 1:close], limits, depth + 1)
            placement = check_placement(dict(components[close].values), raws[close])
        if under and "e" in placement:
            raise InvalidTransformation(f"Blend modes apply to l_ overlays, not to u_ underlays ({raw})")
        overlay = Overlay(source, Transformation(tuple(layer_parts)), under)
        grouped.append(Component.of(placement, overlay))
        index = close + 1
    return grouped


def parse(text: str, limits: Limits | None = None) -> Transformation:
    """Parse a transformation string (components joined by '/'); the empty string is the identity."""
    limits = limits or Limits()
    if text == "":
        return Transformation()
    raws = text.split("/")
    if len(raws) > limits.max_components:
        raise InvalidTransformation(
            f"Too many components: {len(raws)} (the limit is {limits.max_components})"
        )
    parsed = [parse_component(raw, limits, check=False) for raw in raws]
    components = tuple(_group_overlays(parsed, raws, limits))
    written = Transformation(components).written_length()
    if written > limits.max_components:
        # Else the canonical form, which is the cache key and what signed URLs are made from, would not parse.
        raise InvalidTransformation(
            f"Too many components: {written} once the overlays are written in full as l_.../fl_layer_apply "
            f"(the limit is {limits.max_components})"
        )
    seen: set[str] = set()
    for component in components:
        for key, _ in component.values:
            if p.PARAMS[key].output:
                if key in seen:
                    raise InvalidTransformation(f"Parameter {key}_ may appear only once in a transformation")
                seen.add(key)
    return Transformation(components)
