"""Blur and sharpness: ``e_blur``, ``e_sharpen``, ``e_unsharp_mask``, ``e_pixelate``.

Cost stays bounded whatever the strength: a Gaussian's mask grows with sigma, so beyond
``DIRECT_SIGMA`` the image is blurred at a reduced size and scaled back, which looks the same (a wide
blur has no fine detail to lose) and stops growing with sigma: e_blur:2000 renders a 10 MP JPEG in
0.43 s where a direct blur takes 0.50 s and more for every step up (figures in docs/effects.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.effects.bands import on_colour, page_height, premultiplied
from imgorigin.transform.effects.registry import effect, optional_int

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext
    from imgorigin.transform.deadline import Deadline

# e_blur:100 (the default) is a Gaussian of sigma 5 px; e_blur:2000 is sigma 100 px. Up to sigma 20
# (e_blur:400) libvips' direct blur is cheap and exact.
BLUR_SIGMA_PER_UNIT = 0.05
DIRECT_SIGMA = 20.0
MIN_REDUCTION = 2.0


def _exact_size(image: pyvips.Image, width: int, height: int) -> pyvips.Image:
    if image.width < width or image.height < height:
        image = image.embed(0, 0, max(width, image.width), max(height, image.height), extend="copy")
    return image.crop(0, 0, width, height)


def gaussian(image: pyvips.Image, sigma: float, deadline: Deadline) -> pyvips.Image:
    """A Gaussian blur of any sigma at about the cost of one of ``DIRECT_SIGMA``."""
    if sigma <= DIRECT_SIGMA:
        return image.gaussblur(sigma)
    # At least halve: the small copy is then at most a quarter of the pixels, cheap to hold in memory.
    factor = max(MIN_REDUCTION, sigma / DIRECT_SIGMA)
    # The reduced image is made in memory first: blurring it straight from the pipeline recomputed the
    # blur's margin of everything upstream for every strip (8x the rows at e_blur:2000), and each
    # strip was a single uninterruptible request of seconds behind a costly upstream.
    small = deadline.copy_memory(image.resize(1 / factor, kernel="linear"))
    # Held in memory too: otherwise enlarging would recompute the wide blur for every strip it reads.
    blurred = deadline.copy_memory(small.gaussblur(sigma / factor))
    back = blurred.resize(image.width / small.width, vscale=image.height / small.height, kernel="linear")
    return _exact_size(back, image.width, image.height)


@effect("blur", parse_arg=optional_int(100, 1, 2000), example="e_blur:300")
def blur(image: pyvips.Image, strength: int, ctx: RenderContext) -> pyvips.Image:
    """Gaussian blur. Strength 1-2000 (default 100); sigma is strength / 20 pixels.
    Example: ``e_blur:300``."""
    return premultiplied(image, lambda img: gaussian(img, strength * BLUR_SIGMA_PER_UNIT, ctx.deadline))


@effect("sharpen", parse_arg=optional_int(100, 1, 2000), example="e_sharpen:200")
def sharpen(image: pyvips.Image, strength: int, ctx: RenderContext) -> pyvips.Image:
    """Sharpens edges (libvips' sharpen on lightness, so colours do not fringe). Strength 1-2000
    (default 100) widens the radius and raises the gain. Example: ``e_sharpen:200``."""

    def change(colour: pyvips.Image) -> pyvips.Image:
        interpretation = colour.interpretation
        out = colour.sharpen(sigma=0.5 + strength / 400, m1=0.0, m2=strength / 40, x1=2.0, y2=20.0, y3=40.0)
        return out.colourspace(interpretation) if out.interpretation != interpretation else out

    return on_colour(image, change)


@effect("unsharp_mask", parse_arg=optional_int(100, 1, 2000), example="e_unsharp_mask:500")
def unsharp_mask(image: pyvips.Image, strength: int, ctx: RenderContext) -> pyvips.Image:
    """Classic unsharp mask: adds back the difference from a Gaussian blur (sigma 1.5 px) times
    strength / 100. Strength 1-2000, default 100. Example: ``e_unsharp_mask:500``."""
    amount = strength / 100

    def change(colour: pyvips.Image) -> pyvips.Image:
        blurred = colour.gaussblur(1.5)
        return colour * (1 + amount) - blurred * amount

    return on_colour(image, change)


@effect("pixelate", parse_arg=optional_int(5, 1, 200), example="e_pixelate:20")
def pixelate(image: pyvips.Image, size: int, ctx: RenderContext) -> pyvips.Image:
    """Replaces each size x size block (aligned to the top-left corner) by its average colour.
    Size 1-200 pixels, default 5. Example: ``e_pixelate:20``."""
    if size == 1:
        return image
    width, height = image.width, page_height(image)
    if height != image.height:  # an animation: pixelate frame by frame so blocks never straddle two
        import pyvips

        frames = [pixelate(image.crop(0, top, width, height), size, ctx)
                  for top in range(0, image.height, height)]
        joined = pyvips.Image.arrayjoin(frames, across=1).copy()
        joined.set_type(pyvips.GValue.gint_type, "page-height", height)
        return joined

    def change(img: pyvips.Image) -> pyvips.Image:
        padded_w = -(-width // size) * size
        padded_h = -(-height // size) * size
        padded = img.embed(0, 0, padded_w, padded_h, extend="copy")
        blocks = padded.shrink(size, size)
        return blocks.zoom(size, size).crop(0, 0, width, height)

    return premultiplied(image, change)
