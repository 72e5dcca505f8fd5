"""What the steps work on: the ``Canvas`` (the image being built) and the ``RenderContext`` (what they
may read besides it).

The context is immutable: one per render (one per layer for an overlay), copied with ``replace`` when
an effect needs its component's qualifiers. Nothing here knows the URL grammar, so effect units can
take a context without importing the parser that imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.transform.deadline import Deadline
from imgorigin.transform.decode import load, normalise
from imgorigin.transform.limits import Limits
from imgorigin.transform.source import Header
from imgorigin.transform.values import Length, OutputFormat
from imgorigin.transform.vips import get_int

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.colors import Color
    from imgorigin.transform.cutout import BackgroundRemover
    from imgorigin.transform.faces import FaceDetector
    from imgorigin.transform.levels import LevelPicker

# Opens another original by id (blob, header) for l_ overlays.
LayerOpener = Callable[[str], tuple[Blob, Header]]


@dataclass(frozen=True)
class Qualifiers:
    """The ``x_ y_ w_ h_ co_`` of an effect's component, which qualify the effect (``e_shadow,x_10``,
    ``e_blur_region,w_100``, ``e_colorize,co_red``) where its unit declares them."""

    x: Length | None = None
    y: Length | None = None
    width: Length | None = None
    height: Length | None = None
    color: Color | None = None


@dataclass(frozen=True)
class RenderContext:
    """What steps may read besides the image: limits, the output format, the source header."""

    header: Header
    limits: Limits
    output_format: OutputFormat
    no_rotate: bool = False
    background: Color | None = None
    # Opens another original by id for l_ overlays; set by whoever runs the render.
    open_layer: LayerOpener | None = None
    # Those of the component whose effect is being applied; set per effect by step_effects.
    qualifiers: Qualifiers = Qualifiers()
    # The renderer's bounded, lazily loaded model for e_background_removal (None: not offered here).
    background_remover: BackgroundRemover | None = None
    # The render's deadline and memory budget: every evaluation of pixels goes through it.
    deadline: Deadline = field(default_factory=Deadline)
    # And its face detector, for g_face and the _faces effects.
    face_detector: FaceDetector | None = None


def declared_page_height(image: pyvips.Image) -> int:
    """The frame height libvips carries with the image (its height when it says none)."""
    return get_int(image, "page-height", image.height)


@dataclass
class Canvas:
    """The image being built: still just the source (nothing decoded yet), or a libvips image."""

    blob: Blob | Callable[[], Blob]  # the original, or what fetches it (once) when a step needs it
    header: Header
    image: pyvips.Image | None = None
    # Shrink-on-load reads the source top to bottom only; steps that jump around need it in memory.
    sequential: bool = False
    # Upload-time reduced copies of the source (upright), for a first resize that needs fewer pixels.
    levels: LevelPicker | None = None
    page: int = 0  # the frame to load (pg_, 0-based) when only one is wanted

    @property
    def size(self) -> tuple[int, int]:
        if self.image is None:
            return self.header.size
        return self.image.width, declared_page_height(self.image)

    def random_access(self, ctx: RenderContext) -> pyvips.Image:
        """The pixels, readable in any order (rotations, smart crops, vertical flips)."""
        image = self.pixels(ctx)
        if self.sequential:
            image = self.image = ctx.deadline.copy_memory(image)
            self.sequential = False
        return image

    def source_for(self, size: tuple[int, int], ctx: RenderContext) -> Blob:
        """The original, or an upload-time level that serves a first resize to ``size`` (the same size:
        the lossless full-size copy, when there is one)."""
        # Levels are stored upright, so they cannot serve a render that ignores EXIF orientation.
        if (self.levels is None or self.header.pages > 1 or self.page
                or (ctx.no_rotate and self.header.orientation != 1)):
            return self.original()
        return self.levels(size) or self.original()

    def original(self) -> Blob:
        if callable(self.blob):
            self.blob = self.blob()
        return self.blob

    def pixels(self, ctx: RenderContext) -> pyvips.Image:
        if self.image is None:
            image = load(self.source_for(self.header.size, ctx), pages=self.header.pages, page=self.page)
            if not ctx.no_rotate:
                image = image.autorot()
            self.image = normalise(image)
        return self.image
