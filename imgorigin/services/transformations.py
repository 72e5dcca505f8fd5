"""The one way from a transformation string to a plan: named presets expanded, then parsed under the
configured limits. Every plane and the background jobs parse through it, so a URL, a ``/sign`` item,
an eager transformation and a named transformation meet the same caps."""

from __future__ import annotations

from dataclasses import dataclass

from imgorigin.config import Settings
from imgorigin.transform.exprplan import Program, parse_any
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.presets import Presets
from imgorigin.transform.source import SourceLimits
from imgorigin.transform.transformation import Transformation


def parser_limits(settings: Settings) -> Limits:
    return Limits(
        max_components=settings.max_components,
        max_output_side=settings.max_output_side,
        max_output_pixels=settings.max_output_pixels,
        max_animation_pixels=settings.max_animation_pixels,
        max_render_cost=settings.max_render_cost,
    )


def source_limits(settings: Settings) -> SourceLimits:
    """The caps every source is read under: uploads, originals at render time, overlays, fetched images."""
    return SourceLimits(
        max_pixels=settings.max_source_pixels,
        max_side=settings.max_source_side,
        max_frames=settings.max_frames,
        max_animation_pixels=settings.max_animation_pixels,
        allow_svg=settings.allow_svg,
    )


@dataclass(frozen=True)
class Transformations:
    presets: Presets
    limits: Limits

    @classmethod
    def from_settings(cls, settings: Settings) -> Transformations:
        return cls(Presets.load(settings.presets_file), parser_limits(settings))

    def parse(self, text: str, presets: Presets | None = None) -> Transformation:
        """``text`` with its ``t_<name>`` expanded (by ``presets``, e.g. an account's named transformations
        over the server's, else the server's), then parsed."""
        return parse((presets or self.presets).expand(text), self.limits)

    def program(self, text: str, presets: Presets | None = None) -> Transformation | Program:
        """Like ``parse``, but a transformation with variables, arithmetic or ``if_`` becomes a ``Program``,
        evaluated on the image's header where the image is known (``Renderer.evaluate``)."""
        return parse_any((presets or self.presets).expand(text), self.limits)

    def parse_literal(self, text: str) -> Transformation:
        """``text`` parsed as it stands: the definition of a named transformation, already expanded text."""
        return parse(text, self.limits)
