"""Which combinations of parameters a component may hold, refused with an exact message when they
would be silently ignored or mean two things (``g_`` with ``c_scale``, ``x_`` without ``c_crop``, an
output parameter inside an overlay). Each check sees one typed ``Component`` and the raw text it came from.
"""

from __future__ import annotations

from typing import Any

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.colors import AutoBackground
from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.flags import LAYER_APPLY, OUTPUT_FLAGS, RELATIVE, Flags
from imgorigin.transform.limits import Limits
from imgorigin.transform.numbers import round_half_up
from imgorigin.transform.responsive import AutoDpr, AutoWidth
from imgorigin.transform.transformation import Component
from imgorigin.transform.values import CropMode, Gravity, Length

_RESIZE_PARAMS = (p.WIDTH, p.HEIGHT, p.ASPECT_RATIO)


def _check_qualifiers(component: Component, name: str, qualifiers: frozenset[str], raw: str) -> None:
    """x_ y_ (and w_ h_) that qualify the effect ``e_<name>`` cannot also crop or resize in the same
    component."""
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


def check_auto(component: Component, raw: str, limits: Limits, *, in_layer: bool) -> None:
    """Where w_auto and dpr_auto may stand: they size the delivered image, so not inside an overlay,
    and not as the w_ of an effect's region; a fallback is a width like any other."""
    width, dpr = component.get(p.WIDTH), component.get(p.DPR)
    auto = [text for text, value in (("w_auto", width), ("dpr_auto", dpr)) if isinstance(value, AutoWidth | AutoDpr)]
    if not auto:
        return
    if in_layer:
        raise InvalidTransformation(f"{auto[0]} sizes the delivered image; it cannot stand inside an overlay ({raw})")
    if isinstance(width, AutoWidth):
        if "w" in component.effect_qualifiers:
            raise InvalidTransformation(f"w_auto cannot be the width of an effect's region ({raw})")
        if width.fallback is not None and width.fallback > limits.max_output_side:
            raise InvalidTransformation(
                f"Invalid w_{width.canonical()}: the largest width is {limits.max_output_side} pixels"
            )


def check_component(component: Component, raw: str, limits: Limits) -> None:
    check_auto(component, raw, limits, in_layer=False)
    qualifiers = component.effect_qualifiers & {"w", "h", "x", "y"}
    effect = component.get(p.EFFECT)
    if qualifiers and effect is not None:  # qualifiers are an effect's: the second test only narrows
        _check_qualifiers(component, effect.name, qualifiers, raw)
        if {"w", "h"} <= qualifiers:
            return
    crop = component.get(p.CROP)
    given_dpr = component.get(p.DPR)
    dpr = None if isinstance(given_dpr, AutoDpr) else given_dpr  # dpr_auto resolves within the limits
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
    if given_dpr is not None and not component.has(p.WIDTH, p.HEIGHT):
        raise InvalidTransformation(f"dpr_ needs w_ or h_ in the same component ({raw})")
    width, height = component.get(p.WIDTH), component.get(p.HEIGHT)
    for param, length in ((p.WIDTH, width), (p.HEIGHT, height)):
        if isinstance(length, Length) and not length.relative:
            scaled = length.value * (dpr or 1)
            if scaled > limits.max_output_side:
                given = f"{param.key}_{length.canonical()}"
                if dpr is not None and length.value <= limits.max_output_side:
                    # The width alone is fine: say what the product is, so the reader lowers the right number.
                    given = f"{given} at dpr_{p.DPR.format_value(dpr)} ({round_half_up(scaled)} pixels)"
                raise InvalidTransformation(
                    f"Invalid {given}: the largest {param.name} is {limits.max_output_side} pixels"
                )


# What the component that places an overlay may hold; everything else transforms the layer.
PLACEMENT_KEYS = frozenset({"g", "x", "y", "o", "fl"})


def apply_flags(component: Component) -> Flags:
    return component.get(p.FLAGS) or Flags()


def check_placement(items: dict[str, Any], raw: str) -> dict[str, Any]:
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
    items["fl"] = flags.with_plain(LAYER_APPLY)
    return items


def refuse_blend(component: Component, raw: str) -> None:
    effect = component.get(p.EFFECT)
    if effect is not None and effect.name in BLEND_MODES:
        raise InvalidTransformation(f"e_{effect.name} blends an overlay: put it with fl_layer_apply ({raw})")


def check_layer_component(component: Component, raw: str, limits: Limits) -> None:
    check_auto(component, raw, limits, in_layer=True)
    background = component.get(p.BACKGROUND)
    if isinstance(background, AutoBackground):
        raise InvalidTransformation(f"b_auto measures the image itself; it cannot stand inside an overlay ({raw})")
    output = [key for key, _ in component.values if p.PARAMS[key].output]
    if output:
        raise InvalidTransformation(
            f"Parameter {output[0]}_ applies to the whole image, not inside an overlay ({raw})"
        )
    refuse_blend(component, raw)
    for name in apply_flags(component).names:
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
    check_component(component, raw, limits)
