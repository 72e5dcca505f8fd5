"""``e_background_removal``: a cut-out of the main subject, by the model in ``transform.cutout``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.errors import InvalidTransformation, Unavailable
from imgorigin.transform.effects.bands import page_height, split_alpha
from imgorigin.transform.effects.registry import effect, no_value

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext


@effect("background_removal", parse_arg=no_value, example="e_background_removal", random_access=True,
        adds_alpha=True)
def background_removal(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """Makes the background transparent, keeping the main subject (a person, an animal, a product).
    In a format without alpha (JPEG) the background becomes the ``b_`` colour, white by default.
    Needs the model installed (``imgorigin models install``). Example: ``e_background_removal``."""
    # Frames reach effects one at a time; running the model on every frame would be unbounded work.
    if ctx.header.pages > 1 or page_height(image) != image.height:
        raise InvalidTransformation("e_background_removal works on still images: pick one frame with pg_")
    remover = ctx.background_remover
    if remover is None:
        raise Unavailable("Background removal is not available here", code="model_not_installed")
    colour, alpha = split_alpha(image)
    rgb = colour if colour.bands >= 3 else colour.colourspace("srgb")
    mask = remover.mask(rgb.cast("uchar"), ctx.deadline)
    if alpha is not None:
        mask = (alpha * mask / 255).cast("uchar")
    return colour.bandjoin(mask)
