"""Perceptual comparison of two renders: SSIM on luminance and mean absolute difference."""

from __future__ import annotations

import pyvips

_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2


def _luma(image: pyvips.Image) -> pyvips.Image:
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    return image.colourspace("b-w")[0].cast("float")


def ssim(a: pyvips.Image, b: pyvips.Image, sigma: float = 1.5) -> float:
    """Mean SSIM (Wang et al. 2004, gaussian window) of the luminance of two same-size images."""
    assert (a.width, a.height) == (b.width, b.height), "compare images of one size"
    x, y = _luma(a), _luma(b)
    mx, my = x.gaussblur(sigma), y.gaussblur(sigma)
    vx = (x * x).gaussblur(sigma) - mx * mx
    vy = (y * y).gaussblur(sigma) - my * my
    cxy = (x * y).gaussblur(sigma) - mx * my
    numerator = (mx * my * 2 + _C1) * (cxy * 2 + _C2)
    denominator = (mx * mx + my * my + _C1) * (vx + vy + _C2)
    return float((numerator / denominator).avg())


def mean_abs_diff(a: pyvips.Image, b: pyvips.Image) -> float:
    """Mean absolute difference per channel value, 0-255."""
    assert (a.width, a.height, a.bands) == (b.width, b.height, b.bands)
    return float((a.cast("float") - b.cast("float")).abs().avg())


def decode(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def photo_mosaic(width: int, height: int, *, orientation: int = 1, alpha: bool = False) -> bytes:
    """A big photo-like JPEG (PNG with ``alpha``) from four shipped photos, upscaled, with light grain.

    ``orientation`` is written as the EXIF tag: the pixels are stored as a camera would store them.
    """
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    tiles = []
    for name in ("rocket.jpg", "astronaut.png", "coffee.png", "chelsea.png"):
        tile = pyvips.Image.new_from_file(str(fixtures / name)).colourspace("srgb")
        tw, th = width // 2, height // 2
        scaled = tile.resize(tw / tile.width, vscale=th / tile.height, kernel="lanczos3")
        tiles.append(scaled.crop(0, 0, tw, th))
    image = pyvips.Image.arrayjoin(tiles, across=2)
    image = (image + pyvips.Image.gaussnoise(image.width, image.height, sigma=3, seed=11)).cast("uchar")
    if alpha:
        ramp = (pyvips.Image.xyz(image.width, image.height)[0] * (255 / image.width)).cast("uchar")
        return bytes(image.bandjoin(ramp).write_to_buffer(".png", compression=1))
    if orientation != 1:
        image = image.copy()
        image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return bytes(image.write_to_buffer(".jpg", Q=90))


def as_rgb(image: pyvips.Image) -> pyvips.Image:
    """A decoded output with grey PNGs expanded back to sRGB (R = G = B, alpha kept).

    PNG output is written as grey when every pixel is grey (a lossless colour-type reduction), so
    tests that read R, G and B compare in sRGB.
    """
    return image.colourspace("srgb") if image.interpretation == "b-w" else image
