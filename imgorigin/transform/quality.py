"""``q_auto``: the lowest encoder quality whose result still meets a perceptual target.

The metric is SSIM (Wang et al. 2004: 11-tap Gaussian window of sigma 1.5, on lightness) between the
image as rendered and the encoded-then-decoded result. A binary search over the encoder's quality
finds the lowest setting that reaches the level's target. Up to ``SAMPLE_PIXELS`` the whole image is
searched, so the target holds exactly for typical web outputs; a larger image is represented by a
mosaic of full-resolution tiles (compression artefacts depend on the pixel scale, so a downscaled
copy would mislead), and the search aims slightly higher to cover what the tiles miss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from imgorigin.transform.values import OutputFormat
from imgorigin.transform.vips import get_int

if TYPE_CHECKING:
    import pyvips

# Mean SSIM each level must reach; see docs/effects.md for how they were chosen.
TARGETS = {"best": 0.98, "good": 0.96, "eco": 0.945, "low": 0.92}
# Encoder quality searched per format: below the floor artefacts turn blocky whatever SSIM says.
SEARCH_RANGE = {
    OutputFormat.JPEG: (30, 98),
    OutputFormat.WEBP: (30, 100),
    OutputFormat.AVIF: (20, 98),
}
# Pixels searched at full size; beyond, a mosaic of tiles. Smaller for the slower encoders, so the
# search stays near a second on one core (AVIF at effort 2 is ~10x JPEG's time per pixel).
SAMPLE_PIXELS = {OutputFormat.JPEG: 1_000_000, OutputFormat.WEBP: 500_000, OutputFormat.AVIF: 250_000}
WINDOW_RADIUS = 5  # the 11-tap window of sigma 1.5
TILE = 64  # small, so many tiles spread over the image; a multiple of 16 keeps the codecs' block grid
MOSAIC_MARGIN = 0.003
# The output is held in memory for the search; past this (all frames counted) the format's default
# quality is used instead, rather than hold hundreds of megabytes.
MAX_SEARCH_PIXELS = 25_000_000
# Aim a hair above the stated target, so SSIM implementations that differ in border handling or
# window truncation (scikit-image's, say) agree that the target is met.
SEARCH_MARGIN = 0.001
RECHECKS = 4

Encoder = Callable[["pyvips.Image", int], bytes]


def ssim(reference: pyvips.Image, candidate: pyvips.Image) -> float:
    """Mean SSIM of two same-sized images, on their lightness (0-255)."""
    a, b = _lightness(reference), _lightness(candidate)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image: pyvips.Image) -> pyvips.Image:
        return image.gaussblur(1.5, precision="float", min_ampl=0.004)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    covariance = blur(a * b) - mu_a * mu_b
    numerator = (mu_a * mu_b * 2 + c1) * (covariance * 2 + c2)
    denominator = (mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2)
    quality_map = numerator / denominator
    # Like the reference implementation, skip the border where the window would hang off the image.
    if quality_map.width > 4 * WINDOW_RADIUS and quality_map.height > 4 * WINDOW_RADIUS:
        quality_map = quality_map.crop(
            WINDOW_RADIUS, WINDOW_RADIUS,
            quality_map.width - 2 * WINDOW_RADIUS, quality_map.height - 2 * WINDOW_RADIUS,
        )
    return float(quality_map.avg())


def _lightness(image: pyvips.Image) -> pyvips.Image:
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.bands >= 3:
        image = image.colourspace("b-w")
    # Rounded to 8 bits first, as every other SSIM tool sees an 8-bit image.
    return image.extract_band(0).cast("uchar").cast("float")


def sample_of(image: pyvips.Image, budget: int) -> tuple[pyvips.Image, bool]:
    """The image itself when within ``budget`` pixels, else a mosaic of full-resolution tiles spread
    evenly over it; (sample, is_mosaic)."""
    import pyvips

    if image.width * image.height <= budget:
        return image, False
    tiles_wanted = max(1, budget // (TILE * TILE))
    # A grid with the image's proportions, so every region is represented.
    across = max(1, min(image.width // TILE, round((tiles_wanted * image.width / image.height) ** 0.5)))
    down = max(1, min(image.height // TILE, tiles_wanted // across))
    tiles = []
    for row in range(down):
        for column in range(across):
            left = (image.width - TILE) * (2 * column + 1) // (2 * across) // 16 * 16
            top = (image.height - TILE) * (2 * row + 1) // (2 * down) // 16 * 16
            tiles.append(image.crop(left, top, min(TILE, image.width), min(TILE, image.height)))
    return pyvips.Image.arrayjoin(tiles, across=across), True


def searchable(image: pyvips.Image) -> bool:
    return bool(image.width * image.height <= MAX_SEARCH_PIXELS)


def _first_frame(image: pyvips.Image) -> pyvips.Image:
    page_height = get_int(image, "page-height", image.height)
    return image.crop(0, 0, image.width, page_height) if page_height < image.height else image


def auto_quality(image: pyvips.Image, fmt: OutputFormat, level: str, encode: Encoder) -> int:
    """The lowest quality in the format's range whose encoding of ``image`` meets ``TARGETS[level]``."""
    import pyvips

    low, high = SEARCH_RANGE[fmt]
    top = high
    # An animation is judged by its first frame: frames of one animation share their character.
    sample, mosaic = sample_of(_first_frame(image), SAMPLE_PIXELS[fmt])
    sample = sample.copy_memory()
    target = TARGETS[level] + SEARCH_MARGIN + (MOSAIC_MARGIN if mosaic else 0.0)

    def meets(quality: int) -> bool:
        return ssim(sample, pyvips.Image.new_from_buffer(encode(sample, quality), "")) >= target

    while low < high:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle + 1
    # Quality is not strictly monotonic in SSIM (JPEG's tables step unevenly): confirm the answer and
    # walk up a little when it falls short, rather than promise a target that was never measured.
    for _ in range(RECHECKS):
        if low >= top or meets(low):
            break
        low = min(top, low + 2)
    return low
