"""``b_auto[:border|predominant|border_contrast|predominant_contrast]``: a background colour taken from
the image itself, typically to pad it (``c_pad,b_auto``) so the padding continues its edges.

The value parses without pixels into ``colors.AutoBackground``; before the steps run, ``resolve``
replaces it, in every component, by the colour measured on a small shrink-on-load copy of the source,
so the steps only ever see a ``Color``. The cache key keeps ``b_auto``: the colour is a function of the
image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from imgorigin.transform import params as p
from imgorigin.transform.colors import AutoBackground, AutoMode, Color
from imgorigin.transform.decode import load_scaled, normalise
from imgorigin.transform.transformation import Component, Transformation

if TYPE_CHECKING:
    import pyvips

    from imgorigin.blob import Blob
    from imgorigin.transform.levels import LevelPicker
    from imgorigin.transform.source import Header


def measure(mode: AutoMode, sample: pyvips.Image) -> Color:
    from imgorigin.transform.predominant import border_color, contrasting, predominant_color

    found = border_color(sample) if mode in (AutoMode.BORDER, AutoMode.BORDER_CONTRAST) else predominant_color(sample)
    return contrasting(found) if mode.value.endswith("_contrast") else found


def needs_sample(plan: Transformation) -> bool:
    return any(isinstance(value, AutoBackground) for component in plan for _, value in component.values)


def resolve(plan: Transformation, sample: Callable[[], pyvips.Image]) -> Transformation:
    """``plan`` with every ``b_auto`` replaced by its colour on ``sample()`` (read once, if at all).
    Overlays cannot hold ``b_auto`` (the parser refuses it), so only the top level is visited."""
    if not needs_sample(plan):
        return plan
    image = sample()
    components = tuple(
        Component(tuple((key, measure(value.mode, image) if isinstance(value, AutoBackground) else value)
                        for key, value in component.values), component.overlay)
        for component in plan
    )
    return replace(plan, components=components)


def background_of(component: Component) -> Color | None:
    """The component's b_ colour, once ``resolve`` has run."""
    value = component.get(p.BACKGROUND)
    assert not isinstance(value, AutoBackground), "b_auto is resolved before the steps run"
    return value


SAMPLE_SIDE = 128


def resolve_on_source(
    plan: Transformation, blob: Blob | Callable[[], Blob], header: Header, levels: LevelPicker | None = None
) -> Transformation:
    """``resolve`` against a shrink-on-load copy of the source at most ``SAMPLE_SIDE`` pixels a side,
    read from an upload-time level when one serves that size (levels are upright, as the sample is):
    a 24 MP JPEG's sample costs 8 ms from its eighth against 112 ms from the original, a 24 MP PNG's
    18 ms against 1.1 s. ``blob`` may be what fetches the original: it is called only when the plan
    holds a b_auto and no level serves."""

    def sample() -> pyvips.Image:
        width, height = header.size
        scale = min(1.0, SAMPLE_SIDE / max(width, height))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        level = levels(size) if levels is not None and header.pages == 1 else None
        return normalise(load_scaled(level or (blob() if callable(blob) else blob), *size, no_rotate=False))

    return resolve(plan, sample)
