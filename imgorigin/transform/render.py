"""Rendering a ``Transformation`` on an original: the pipeline built (``pipeline.build``), then encoded
(``encode``), all within the render's deadline. Only ``ImgOriginError`` subclasses come out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.errors import Unprocessable
from imgorigin.transform import params as p
from imgorigin.transform.context import LayerOpener, declared_page_height
from imgorigin.transform.deadline import Deadline
from imgorigin.transform.encode import encode
from imgorigin.transform.formats import lossless_webp
from imgorigin.transform.limits import Limits
from imgorigin.transform.pipeline import build
from imgorigin.transform.source import Header
from imgorigin.transform.transformation import Transformation
from imgorigin.transform.values import OutputFormat

if TYPE_CHECKING:
    from imgorigin.transform.cutout import BackgroundRemover
    from imgorigin.transform.faces import FaceDetector
    from imgorigin.transform.levels import LevelPicker


@dataclass(frozen=True)
class Rendered:
    data: bytes
    format: OutputFormat
    width: int
    height: int


def adds_alpha(plan: Transformation) -> bool:
    """Whether the plan makes pixels transparent (rounded corners, opacity, a translucent border, a
    cut-out), so that f_auto picks PNG over JPEG for it as it would for a source with alpha."""
    for component in plan:
        if component.overlay is not None:
            continue  # its o_ is the layer's opacity; the base keeps its own alpha
        opacity = component.get(p.OPACITY)
        border = component.get(p.BORDER)
        effect = component.get(p.EFFECT)
        if (
            component.has(p.RADIUS)
            or (opacity is not None and opacity < 100)
            or (border is not None and border.color.a < 255)
            or (effect is not None and effect.unit.adds_alpha)
        ):
            return True
    return False


def render(
    blob: Blob | Callable[[], Blob],
    header: Header,
    plan: Transformation,
    fmt: OutputFormat,
    limits: Limits,
    *,
    timeout: float | None = None,
    deadline: Deadline | None = None,
    levels: LevelPicker | None = None,
    open_layer: LayerOpener | None = None,
    background_remover: BackgroundRemover | None = None,
    face_detector: FaceDetector | None = None,
    auto_format: bool = False,
) -> Rendered:
    """Render ``plan`` on an original to ``fmt`` within ``deadline`` (or ``timeout`` seconds).
    Raises ImgOriginError subclasses only.

    ``blob`` may be a function that fetches the original: it is called only if no level serves."""
    import pyvips

    with deadline or Deadline(timeout) as limit:
        try:
            image = build(blob, header, plan, fmt, limits, levels, open_layer,
                          background_remover=background_remover, deadline=limit, face_detector=face_detector)
        except pyvips.Error as exc:
            limit.check()
            raise Unprocessable("The image could not be rendered", detail=str(exc), code="render_failed") from None
        data = encode(image, fmt, plan, limit, lossless=lossless_webp(plan, header, fmt, auto_format))
        return Rendered(data, fmt, image.width, declared_page_height(image))

