"""The typed, immutable plan a transformation string parses into (``plan.parse``).

A ``Transformation`` is a tuple of ``Component`` (applied in order, each to the output of the previous
one), each holding typed values keyed by their ``Param``. ``canonical()`` writes keys in alphabetical
order (as Cloudinary's SDKs do), so the same request spelled differently has one canonical form, one
cache key and one ETag.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from imgorigin.transform import params as p
from imgorigin.transform.layers import ImageLayer, LayerSource
from imgorigin.transform.values import OutputFormat

T = TypeVar("T")


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

    def written_length(self) -> int:
        """How many components ``canonical()`` writes: an overlay always in full (its l_, its own
        components, the one that places it), however short the URL spelled it."""
        return sum(1 if c.overlay is None else 2 + c.overlay.transformation.written_length() for c in self)

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
