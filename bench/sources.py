"""Seeded benchmark sources made from the shipped photos: the same bytes on every run of one libvips."""

from __future__ import annotations

from pathlib import Path

import pyvips

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SEED = 7
TILES = ("rocket.jpg", "astronaut.png", "coffee.png", "chelsea.png")


def _photo(name: str, width: int, height: int) -> pyvips.Image:
    image = pyvips.Image.new_from_file(str(FIXTURES / name)).colourspace("srgb")
    if image.hasalpha():
        image = image.flatten()
    scaled = image.resize(width / image.width, vscale=height / image.height, kernel="lanczos3")
    return scaled.crop(0, 0, width, height)


def _grain(image: pyvips.Image, sigma: float, seed: int) -> pyvips.Image:
    """Sensor-like noise: upscaled photos are too smooth to compress like a real camera JPEG."""
    noise = pyvips.Image.gaussnoise(image.width, image.height, sigma=sigma, mean=0, seed=seed)
    return (image + noise).cast("uchar")


def photo_4000x3000() -> pyvips.Image:
    """A 2x2 mosaic of the shipped photos, upscaled to 4000x3000 with grain (about 3 MB at q85)."""
    tiles = [_photo(name, 2000, 1500) for name in TILES]
    mosaic = pyvips.Image.arrayjoin(tiles, across=2)
    return _grain(mosaic, 7.0, SEED)


def photo_1920x1080() -> pyvips.Image:
    return _grain(_photo("hubble_deep_field.jpg", 1920, 1080), 4.0, SEED + 1)


def rgba_1200x800() -> pyvips.Image:
    """Photo colours with a soft alpha gradient, like a cut-out product shot."""
    base = _photo("coffee.png", 1200, 800)
    xs = pyvips.Image.xyz(1200, 800)[0]
    alpha = (xs * (255 / 1199)).cast("uchar")
    return base.bandjoin(alpha)


def write_sources(directory: Path) -> dict[str, Path]:
    """Write the three sources (idempotent: regenerated only when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    made = {
        "big": (directory / "big.jpg", photo_4000x3000, {"Q": 85}),
        "hd": (directory / "hd.jpg", photo_1920x1080, {"Q": 85}),
        "rgba": (directory / "rgba.png", rgba_1200x800, {"compression": 6}),
    }
    paths = {}
    for name, (path, make, options) in made.items():
        if not path.exists():
            tmp = path.with_suffix(".tmp" + path.suffix)
            make().write_to_file(str(tmp), strip=True, **options)
            tmp.replace(path)
        paths[name] = path
    return paths


if __name__ == "__main__":
    for key, value in write_sources(Path(__file__).resolve().parent / ".work" / "sources").items():
        print(key, value, value.stat().st_size)
