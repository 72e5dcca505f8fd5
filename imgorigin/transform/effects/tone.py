"""Tone and light: ``e_brightness``, ``e_contrast``, ``e_saturation``, ``e_gamma``, ``e_negate``,
``e_blackwhite``, ``e_vignette``. Each works on the colour bands and leaves alpha as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgorigin.transform.effects.bands import join_alpha, on_colour, page_height, split_alpha
from imgorigin.transform.effects.registry import effect, no_value, optional_int
from imgorigin.transform.vips import bandjoin

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.context import RenderContext

MID_GREY = 128


@effect("brightness", parse_arg=optional_int(80, -99, 100), example="e_brightness:30")
def brightness(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Brightens (positive) or darkens (negative) by a gain of 1 + level / 100: -99 is nearly black,
    100 doubles every value. Level -99 to 100, default 80. Example: ``e_brightness:30``."""
    return on_colour(image, lambda colour: colour * (1 + level / 100))


@effect("contrast", parse_arg=optional_int(0, -100, 100), example="e_contrast:50")
def contrast(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Stretches (positive) or flattens (negative) values around mid-grey by 1 + level / 100:
    -100 is flat grey, 100 doubles the spread. Level -100 to 100, default 0. Example: ``e_contrast:50``."""
    gain = 1 + level / 100
    return on_colour(image, lambda colour: colour.linear([gain], [MID_GREY * (1 - gain)]))


@effect("saturation", parse_arg=optional_int(80, -100, 100), example="e_saturation:-50")
def saturation(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Scales chroma (in LCh, so lightness and hue stay) by 1 + level / 100: -100 is greyscale.
    Level -100 to 100, default 80. Example: ``e_saturation:-50``."""

    def change(colour: pyvips.Image) -> pyvips.Image:
        if colour.bands < 3:
            return colour
        return colour.colourspace("lch").linear([1, 1 + level / 100, 1], [0, 0, 0]).colourspace("srgb")

    return on_colour(image, change)


@effect("gamma", parse_arg=optional_int(0, -50, 150), example="e_gamma:50")
def gamma(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Gamma correction with exponent 1 + level / 100: positive lifts the midtones, negative deepens
    them, black and white stay. Level -50 to 150, default 0 (no change). Example: ``e_gamma:50``."""
    if level == 0:
        return image
    return on_colour(image, lambda colour: colour.gamma(exponent=1 + level / 100))


@effect("negate", parse_arg=no_value, example="e_negate")
def negate(image: pyvips.Image, arg: None, ctx: RenderContext) -> pyvips.Image:
    """A photographic negative: every colour value v becomes 255 - v; alpha is kept. Example: ``e_negate``."""
    return on_colour(image, lambda colour: colour.invert())


@effect("blackwhite", parse_arg=optional_int(50, 0, 100), example="e_blackwhite:30")
def blackwhite(image: pyvips.Image, threshold: int, ctx: RenderContext) -> pyvips.Image:
    """Pure black and white: pixels whose lightness is above threshold percent become white, the rest
    black. Threshold 0-100, default 50. Example: ``e_blackwhite:30``."""
    colour, alpha = split_alpha(image)
    grey = colour.colourspace("b-w") if colour.bands >= 3 else colour
    bw = (grey > threshold * 255 / 100).cast("uchar")
    if colour.bands >= 3:
        bw = bandjoin([bw, bw, bw]).copy(interpretation="srgb")
    return join_alpha(bw, alpha)


@effect("vignette", parse_arg=optional_int(20, 0, 100), example="e_vignette:50")
def vignette(image: pyvips.Image, level: int, ctx: RenderContext) -> pyvips.Image:
    """Darkens towards the edges: the gain falls with the square of the distance from the centre to
    1 - level / 100 in the corners. Level 0-100, default 20. Example: ``e_vignette:50``."""
    import pyvips

    width, height = image.width, page_height(image)
    xy = pyvips.Image.xyz(width, height)
    nx = (xy[0] + (0.5 - width / 2)) / (width / 2)
    ny = (xy[1] + (0.5 - height / 2)) / (height / 2)
    # nx² + ny² is 2 in the corners; halve it so the corners get exactly the stated darkening.
    gain = (nx * nx + ny * ny) * (-level / 200) + 1
    if height != image.height:
        gain = gain.replicate(1, image.height // height)
    return on_colour(image, lambda colour: colour * gain)
