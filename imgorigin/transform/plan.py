"""The typed, immutable plan a transformation string parses into.

``parse("c_fill,w_300,h_200/e_grayscale")`` returns a ``Transformation``: a tuple of ``Component``
(applied in order, each to the output of the previous one), each holding typed values keyed by their
``Param``. ``canonical()`` writes keys in alphabetical order (as Cloudinary's SDKs do), so the same
request spelled differently has one canonical form, one cache key and one ETag.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.autobg import AutoBackground
from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.flags import LAYER_APPLY, OUTPUT_FLAGS, RELATIVE, TILED, Flags
from imgorigin.transform.layers import ImageLayer, LayerSource
from imgorigin.transform.values import CropMode, Gravity, OutputFormat, round_half_up

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """The caps the parser enforces; built from the settings, defaults for tests and tools."""

    max_components: int = 12
    max_output_side: int = 8192
    max_output_pixels: int = 40_000_000
    max_dpr: float = p.MAX_DPR
    max_animation_pixels: int = 200_000_000  # frames x width x height of an animated result
    max_render_cost: float = 400.0  # megapixel passes (transform/cost.py); 0: no limit


@dataclass(frozen=True)
class Overlay:
    """What ``l_`` draws (``u_``: underneath) and the components that transform it before it is placed."""

    source: LayerSource
    transformation: Transformation
    under: bool = False


@dataclass(frozen=True)
class Component:
    values: tuple[tuple[str, Any], ...] = ()
    # Set on the component that places an overlay: ``values`` then hold the placement (g_, x_, y_, o_).
    overlay: Overlay | None = None
    _index: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update(self.values)

    @classmethod
    def of(cls, items: dict[str, Any], overlay: Overlay | None = None) -> Component:
        return cls(tuple(sorted(items.items())), overlay)

    def get(self, param: p.Param[T]) -> T | None:
        return self._index.get(param.key)

    def has(self, *params: p.Param[Any]) -> bool:
        return any(param.key in self._index for param in params)

    @property
    def effect_qualifiers(self) -> frozenset[str]:
        """The keys this component's effect reads as its own qualifiers (e_blur_region's x_ y_ w_ h_)."""
        call = self._index.get("e")
        return frozenset() if call is None else frozenset(call.unit.qualifiers)

    def canonical(self) -> str:
        own = ",".join(p.PARAMS[key].canonical(value) for key, value in self.values)
        if self.overlay is None:
            return own
        # Always the long form: l_ alone, the layer's components, then the placing component.
        layer = [c.canonical() for c in self.overlay.transformation]
        opener = p.UNDERLAY if self.overlay.under else p.LAYER
        return "/".join([opener.canonical(self.overlay.source), *layer, own])


@dataclass(frozen=True)
class Transformation:
    components: tuple[Component, ...] = ()

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components)

    def canonical(self) -> str:
        return "/".join(component.canonical() for component in self.components)

    def layer_ids(self) -> tuple[str, ...]:
        """The other images this plan draws as overlays (l_<id>), nested ones included."""
        found: list[str] = []
        for c in self.components:
            if c.overlay is not None:
                if isinstance(c.overlay.source, ImageLayer):
                    found.append(c.overlay.source.image_id)
                found.extend(c.overlay.transformation.layer_ids())
        return tuple(found)

    def output(self, param: p.Param[T]) -> T | None:
        """The value of an output parameter, wherever it stands (the parser allows it only once)."""
        for component in self.components:
            value = component.get(param)
            if value is not None:
                return value
        return None

    def output_format(self, extension: OutputFormat) -> OutputFormat | None:
        """The format to encode to: f_ overrides the extension; None means f_auto (decided at delivery)."""
        choice = self.output(p.FORMAT)
        return extension if choice is None else choice.format


_RESIZE_PARAMS = (p.WIDTH, p.HEIGHT, p.ASPECT_RATIO)


def _check_qualifiers(component: Component, qualifiers: frozenset[str], raw: str) -> None:
    """x_ y_ (and w_ h_) that qualify the effect cannot also crop or resize in the same component."""
    name = component.get(p.EFFECT).name  # type: ignore[union-attr]
    region = {"w", "h"} <= qualifiers
    clash = [param for param in (p.CROP, p.ASPECT_RATIO, p.DPR, p.GRAVITY) if component.has(param)]
    if not region:
        clash = [param for param in clash if param is p.CROP and component.get(p.CROP) is CropMode.CROP]
    if clash:
        used = "x_, y_, w_ and h_" if region else "x_ and y_"
        raise InvalidTransformation(
            f"{clash[0].key}_ cannot stand with e_{name}, whose {used} qualify the effect: put it in its "
            f"own component ({raw})"
        )


def _check_component(component: Component, raw: str, limits: Limits) -> None:
    qualifiers = component.effect_qualifiers & {"w", "h", "x", "y"}
    if qualifiers:
        _check_qualifiers(component, qualifiers, raw)
        if {"w", "h"} <= qualifiers:
            return
    crop = component.get(p.CROP)
    dpr = component.get(p.DPR)
    if dpr is not None and dpr > limits.max_dpr:
        raise InvalidTransformation(f"Invalid dpr_{p.DPR.format_value(dpr)}: the largest dpr is {limits.max_dpr}")
    if crop is not None and not component.has(*_RESIZE_PARAMS):
        raise InvalidTransformation(f"c_{crop.value} needs w_, h_ or ar_ in the same component ({raw})")
    if component.has(p.X, p.Y) and crop is not CropMode.CROP and not qualifiers:
        raise InvalidTransformation(f"x_ and y_ need c_crop in the same component ({raw})")
    if component.has(p.GRAVITY) and crop not in {
        CropMode.FILL, CropMode.LFILL, CropMode.PAD, CropMode.LPAD, CropMode.CROP, CropMode.THUMB,
        CropMode.AUTO, CropMode.FILL_PAD,
    }:
        raise InvalidTransformation(
            f"g_ needs c_fill, c_lfill, c_pad, c_lpad, c_crop, c_thumb, c_auto or c_fill_pad ({raw})"
        )
    gravity = component.get(p.GRAVITY)
    if gravity in (Gravity.FACE, Gravity.FACES, Gravity.AUTO_FACES) and crop not in {
        CropMode.FILL, CropMode.LFILL, CropMode.CROP, CropMode.THUMB, CropMode.AUTO,
    }:
        raise InvalidTransformation(
            f"g_{gravity} needs c_fill, c_lfill, c_crop, c_thumb or c_auto ({raw})"
        )
    if component.has(p.ZOOM) and (crop not in (CropMode.THUMB, CropMode.CROP) or gravity not in (
            Gravity.FACE, Gravity.FACES, Gravity.AUTO_FACES)):
        raise InvalidTransformation(
            f"z_ needs c_thumb or c_crop with g_face, g_faces or g_auto:faces in the same component ({raw})"
        )
    if crop is CropMode.FILL_PAD and gravity not in (None, Gravity.AUTO):
        raise InvalidTransformation(f"c_fill_pad chooses with g_auto: other gravities do not apply ({raw})")
    if dpr is not None and not component.has(p.WIDTH, p.HEIGHT):
        raise InvalidTransformation(f"dpr_ needs w_ or h_ in the same component ({raw})")
    for param in (p.WIDTH, p.HEIGHT):
        length = component.get(param)
        if length is not None and not length.relative:
            scaled = length.value * (dpr or 1)
            if scaled > limits.max_output_side:
                given = f"{param.key}_{length.canonical()}"
                if dpr is not None and length.value <= limits.max_output_side:
                    # The width alone is fine: say what the product is, so the reader lowers the right number.
                    given = f"{given} at dpr_{p.DPR.format_value(dpr)} ({round_half_up(scaled)} pixels)"
                raise InvalidTransformation(
                    f"Invalid {given}: the largest {param.name} is {limits.max_output_side} pixels"
                )


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
        _check_component(component, raw, limits)
    return component


# What the component that places an overlay may hold; everything else transforms the layer.
PLACEMENT_KEYS = frozenset({"g", "x", "y", "o", "fl"})


def _apply_flags(component: Component) -> Flags:
    return component.get(p.FLAGS) or Flags()


def _placement(items: dict[str, Any], raw: str) -> dict[str, Any]:
    flags: Flags = items.get("fl") or Flags()
    if RELATIVE in flags:
        raise InvalidTransformation(
            f"fl_relative belongs with the overlay's w_/h_, not where it is placed ({raw})"
        )
    if items.get("g") in (Gravity.AUTO, Gravity.FACE, Gravity.FACES, Gravity.AUTO_FACES):
        raise InvalidTransformation(f"g_{items['g']} cannot place an overlay: use a compass point ({raw})")
    effect = items.get("e")
    if effect is not None and effect.name not in BLEND_MODES:
        raise InvalidTransformation(
            f"e_{effect.name} cannot stand with fl_layer_apply: only the blend modes "
            f"({', '.join(f'e_{name}' for name in BLEND_MODES)}) do ({raw})"
        )
    unknown = sorted(set(items) - PLACEMENT_KEYS - {"e"})
    if unknown:
        raise InvalidTransformation(
            f"Parameter {unknown[0]}_ cannot stand with fl_layer_apply: it places the overlay with "
            f"g_, x_, y_ and o_ only ({raw})"
        )
    items["fl"] = Flags(tuple(sorted({*flags.items, (LAYER_APPLY, None)})))
    return items


def _layer_part(items: dict[str, Any], raw: str, limits: Limits) -> list[Component]:
    if not items:
        return []
    layer = Component.of(items)
    _check_layer_component(layer, raw, limits)
    return [layer]


def _is_blend(key: str, value: Any) -> bool:
    return key == "e" and value.name in BLEND_MODES


def _refuse_blend(component: Component, raw: str) -> None:
    effect = component.get(p.EFFECT)
    if effect is not None and effect.name in BLEND_MODES:
        raise InvalidTransformation(f"e_{effect.name} blends an overlay: put it with fl_layer_apply ({raw})")


def _check_layer_component(component: Component, raw: str, limits: Limits) -> None:
    background = component.get(p.BACKGROUND)
    if isinstance(background, AutoBackground):
        raise InvalidTransformation(f"b_auto measures the image itself; it cannot stand inside an overlay ({raw})")
    output = [key for key, _ in component.values if p.PARAMS[key].output]
    if output:
        raise InvalidTransformation(
            f"Parameter {output[0]}_ applies to the whole image, not inside an overlay ({raw})"
        )
    _refuse_blend(component, raw)
    for name, _ in _apply_flags(component).items:
        if name == LAYER_APPLY:
            raise InvalidTransformation(
                f"fl_layer_apply cannot stand with other parameters of the overlay ({raw})"
            )
        if name in OUTPUT_FLAGS:
            raise InvalidTransformation(f"fl_{name} applies to the whole image, not inside an overlay ({raw})")
        if name != RELATIVE:
            raise InvalidTransformation(
                f"fl_{name} belongs with fl_layer_apply, not among the overlay's own components ({raw})"
            )
    _check_component(component, raw, limits)


# A layer may hold layers (text on a logo, then the logo on the image), this many deep.
MAX_LAYER_DEPTH = 2


def _closing(components: list[Component], start: int) -> int | None:
    """The fl_layer_apply that closes the overlay opened at ``start``, skipping nested l_ ... runs."""
    depth = 0
    for k in range(start + 1, len(components)):
        applies = LAYER_APPLY in _apply_flags(components[k])
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
            _check_layer_component(component, raw, limits)
            grouped.append(component)
            index += 1
            continue
        if source is None:
            flags = _apply_flags(component)
            needs_layer = [name for name in (LAYER_APPLY, RELATIVE, TILED) if name in flags]
            if needs_layer:
                raise InvalidTransformation(f"fl_{needs_layer[0]} needs an overlay (l_) before it ({raw})")
            _refuse_blend(component, raw)
            _check_component(component, raw, limits)
            grouped.append(component)
            index += 1
            continue
        items = {key: value for key, value in component.values if key not in ("l", "u")}
        close = _closing(components, index)
        if close is None or LAYER_APPLY in _apply_flags(component):
            place = {key: value for key, value in items.items() if key in PLACEMENT_KEYS or _is_blend(key, value)}
            rest = {key: value for key, value in items.items() if key not in place}
            flags = place.pop("fl", Flags())
            if RELATIVE in flags:
                rest["fl"] = Flags(((RELATIVE, None),))
            if flags.without(RELATIVE).items:  # fl_tiled, and output flags, which apply to the whole image
                place["fl"] = flags.without(RELATIVE)
            layer_parts = _layer_part(rest, raw, limits)
            placement = _placement(place, raw)
            close = index
        else:
            layer_parts = _layer_part(items, raw, limits)
            layer_parts += _group_overlays(components[index + 1:close], raws[index + 1:close], limits, depth + 1)
            placement = _placement(dict(components[close].values), raws[close])
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
    seen: set[str] = set()
    for component in components:
        for key, _ in component.values:
            if p.PARAMS[key].output:
                if key in seen:
                    raise InvalidTransformation(f"Parameter {key}_ may appear only once in a transformation")
                seen.add(key)
    return Transformation(components)
