"""Shape: rounded corners (``r_``), a solid border (``bo_``) and opacity (``o_``).

The values parse without libvips; the functions that draw them import it lazily. All three work
through the alpha channel: rounded corners and opacity make pixels transparent, and a format without
alpha (JPEG) is flattened onto ``b_`` (white by default) at the end of the render, as Cloudinary does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from imgorigin.transform.colors import Color, parse_color
from imgorigin.transform.numbers import int_between
from imgorigin.transform.vips import clamp, floats, get_int

if TYPE_CHECKING:
    import pyvips

MAX_RADIUS = 16383
MAX_BORDER = 1000


@dataclass(frozen=True)
class Radius:
    """Corner radii in pixels, clockwise from top left; ``maximum`` makes an ellipse (``r_max``)."""

    corners: tuple[int, int, int, int] = (0, 0, 0, 0)
    maximum: bool = False

    def canonical(self) -> str:
        if self.maximum:
            return "max"
        top_left, top_right, bottom_right, bottom_left = self.corners
        if len(set(self.corners)) == 1:
            return str(top_left)
        return f"{top_left}:{top_right}:{bottom_right}:{bottom_left}"


def parse_radius(raw: str) -> Radius:
    """``r_20``; ``r_20:40`` (top-left/bottom-right, top-right/bottom-left); ``r_20:40:60``
    (top-left, top-right/bottom-left, bottom-right); ``r_20:40:60:80`` (clockwise); ``r_max``."""
    if raw == "max":
        return Radius(maximum=True)
    expected = f"max, or 1 to 4 integers between 0 and {MAX_RADIUS} joined by ':'"
    parts = raw.split(":")
    if len(parts) > 4:
        raise ValueError(expected)
    try:
        values = [int_between(0, MAX_RADIUS)(part) for part in parts]
    except ValueError:
        raise ValueError(expected) from None
    corners: tuple[int, int, int, int]
    if len(values) == 1:
        corners = (values[0], values[0], values[0], values[0])
    elif len(values) == 2:
        corners = (values[0], values[1], values[0], values[1])
    elif len(values) == 3:
        corners = (values[0], values[1], values[2], values[1])
    else:
        corners = (values[0], values[1], values[2], values[3])
    return Radius(corners)


@dataclass(frozen=True)
class Border:
    width: int
    color: Color

    def canonical(self) -> str:
        return f"{self.width}px_solid_{self.color.canonical()}"


def parse_border(raw: str) -> Border:
    """``bo_<width>px_solid_<colour>``: ``bo_4px_solid_black``, ``bo_2px_solid_rgb:ff000080``."""
    expected = f"<width>px_solid_<colour> with a width between 1 and {MAX_BORDER}, e.g. 4px_solid_black"
    width, _, rest = raw.partition("px_")
    style, _, colour = rest.partition("_")
    if style != "solid" or not colour:
        raise ValueError(expected)
    try:
        return Border(int_between(1, MAX_BORDER)(width), parse_color(colour))
    except ValueError:
        raise ValueError(expected) from None


def _page_height(image: pyvips.Image) -> int:
    return get_int(image, "page-height", image.height)


def _quarter_disc(radius: int) -> pyvips.Image:
    """A radius x radius coverage mask of a top-left corner: 0 outside the arc, 255 inside, anti-aliased."""
    import pyvips

    xy = pyvips.Image.xyz(radius, radius)
    dx = xy[0] + (0.5 - radius)
    dy = xy[1] + (0.5 - radius)
    distance = (dx * dx + dy * dy) ** 0.5
    # A pixel's coverage by the disc, approximated by its centre's signed distance to the arc.
    return _coverage(distance * -1 + (radius + 0.5))


def _coverage(signed: pyvips.Image) -> pyvips.Image:
    return (clamp(signed, 0, 1) * 255).cast("uchar")


def rounded_mask(width: int, height: int, radius: Radius) -> pyvips.Image:
    """A one-band uchar mask, 255 inside the rounded rectangle (or ellipse) and 0 outside."""
    import pyvips

    if radius.maximum:
        rx, ry = width / 2, height / 2
        xy = pyvips.Image.xyz(width, height)
        nx = (xy[0] + (0.5 - rx)) / rx
        ny = (xy[1] + (0.5 - ry)) / ry
        distance = (nx * nx + ny * ny) ** 0.5
        return _coverage((distance * -1 + 1) * min(rx, ry) + 0.5)
    mask = (pyvips.Image.black(width, height) + 255).cast("uchar")
    limit = min(width, height) // 2
    top_left, top_right, bottom_right, bottom_left = (min(r, limit) for r in radius.corners)
    for r, flip_h, flip_v, left, top in (
        (top_left, False, False, 0, 0),
        (top_right, True, False, width - top_right, 0),
        (bottom_right, True, True, width - bottom_right, height - bottom_right),
        (bottom_left, False, True, 0, height - bottom_left),
    ):
        if r <= 0:
            continue
        patch = _quarter_disc(r)
        if flip_h:
            patch = patch.fliphor()
        if flip_v:
            patch = patch.flipver()
        mask = mask.insert(patch, left, top)
    return mask


def with_mask(image: pyvips.Image, mask: pyvips.Image) -> pyvips.Image:
    """Multiply the image's alpha by a one-band 0-255 mask (adding alpha if it has none)."""
    pages = image.height // _page_height(image)
    if pages > 1:
        mask = mask.replicate(1, pages)
    if not image.hasalpha():
        return image.bandjoin(mask)
    colour = image.extract_band(0, n=image.bands - 1)
    alpha = image.extract_band(image.bands - 1)
    return colour.bandjoin((alpha * mask / 255).cast("uchar"))


def round_corners(image: pyvips.Image, radius: Radius) -> pyvips.Image:
    if not radius.maximum and not any(radius.corners):
        return image
    return with_mask(image, rounded_mask(image.width, _page_height(image), radius))


def fade(image: pyvips.Image, opacity: int) -> pyvips.Image:
    """Scale alpha by ``opacity`` percent (adding an opaque alpha first if there is none)."""
    if opacity >= 100:
        return image
    if not image.hasalpha():
        image = image.bandjoin(255)
    colour = image.extract_band(0, n=image.bands - 1)
    alpha = image.extract_band(image.bands - 1)
    return colour.bandjoin((alpha * (opacity / 100)).cast("uchar"))


def add_border(image: pyvips.Image, border: Border, radius: Radius | None) -> pyvips.Image:
    """Grow the image by the width on every side, filled with the colour. With ``r_`` the border is
    rounded too (its outer radius is the corner radius plus the width), as Cloudinary draws it."""
    import pyvips

    w, colour = border.width, border.color
    page_height = _page_height(image)
    pages = image.height // page_height
    rounded = radius is not None and (radius.maximum or any(radius.corners))
    if image.bands < 3:
        image = image.colourspace("srgb")
    if not rounded and not image.hasalpha() and colour.a == 255 and pages == 1:
        return image.embed(w, w, image.width + 2 * w, image.height + 2 * w, extend="background",
                           background=floats(colour.rgb))
    outer_w, outer_h = image.width + 2 * w, page_height + 2 * w
    if rounded:
        assert radius is not None
        outer = radius if radius.maximum else Radius(tuple(r + w if r else 0 for r in radius.corners))  # type: ignore[arg-type]
        plate_alpha = (rounded_mask(outer_w, outer_h, outer) * (colour.a / 255)).cast("uchar")
    else:
        plate_alpha = (pyvips.Image.black(outer_w, outer_h) + colour.a).cast("uchar")
    plate = (pyvips.Image.black(outer_w, outer_h, bands=3) + colour.rgb).cast("uchar").bandjoin(plate_alpha)
    plate = plate.copy(interpretation="srgb")
    if not image.hasalpha():
        image = image.bandjoin(255)
    frames = [
        plate.composite2(image.crop(0, page * page_height, image.width, page_height), "over", x=w, y=w)
        .cast("uchar")
        for page in range(pages)
    ]
    if pages == 1:
        return frames[0]
    joined = pyvips.Image.arrayjoin(frames, across=1).copy()
    joined.set_type(pyvips.GValue.gint_type, "page-height", outer_h)
    return joined
