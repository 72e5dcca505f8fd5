"""Blend modes of an overlay: ``e_multiply``, ``e_screen``, ``e_overlay``, ``e_mask``.

They stand with ``fl_layer_apply`` and say how the layer meets the image under it, as in
Cloudinary (``l_texture/fl_layer_apply,e_multiply``). The parser refuses them anywhere else, so the
functions below only document them: the overlay step does the blending (transform/overlay.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.effects.registry import effect, no_value

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext

# Effect name -> libvips composite mode.
BLEND_MODES = {"multiply": "multiply", "screen": "screen", "overlay": "overlay", "mask": "dest-in"}


def _only_with_an_overlay(name: str) -> InvalidTransformation:
    return InvalidTransformation(f"e_{name} blends an overlay: put it with fl_layer_apply")


@effect("multiply", parse_arg=no_value, example="l_logo,w_0.5,fl_relative/fl_layer_apply,e_multiply")
def multiply(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """With fl_layer_apply: the overlay darkens what is under it (the colours multiply; white leaves
    the image as it is, black makes it black)."""
    raise _only_with_an_overlay("multiply")


@effect("screen", parse_arg=no_value, example="l_logo,w_0.5,fl_relative/fl_layer_apply,e_screen")
def screen(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """With fl_layer_apply: the overlay lightens what is under it (the inverse of multiply; black
    leaves the image as it is)."""
    raise _only_with_an_overlay("screen")


@effect("overlay", parse_arg=no_value, example="l_logo,w_0.5,fl_relative/fl_layer_apply,e_overlay")
def overlay(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """With fl_layer_apply: multiply in the image's shadows, screen in its highlights, so its
    contrast is kept (a texture or a light leak)."""
    raise _only_with_an_overlay("overlay")


@effect("mask", parse_arg=no_value, example="c_fill,w_240,h_240/l_logo,w_1.0,fl_relative/fl_layer_apply,e_mask")
def mask(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """With fl_layer_apply: keeps the image only where the overlay is opaque, and makes the rest
    transparent (a shape cut-out; white where the format has no alpha)."""
    raise _only_with_an_overlay("mask")
