"""A BlurHash encoder (https://blurha.sh): a ~30-character placeholder a page can paint before the image.

The image is projected onto a few cosine basis functions in linear light; the average colour and the
quantised coefficients are packed in base 83. It follows the reference implementation step for step,
so its strings decode with any BlurHash library.
"""

from __future__ import annotations

import numpy as np

BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def base83(value: int, length: int) -> str:
    return "".join(BASE83[(value // 83 ** (length - i - 1)) % 83] for i in range(length))


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    v = values / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(value: float) -> int:
    v = min(1.0, max(0.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exponent: float) -> float:
    return float(np.copysign(abs(value) ** exponent, value))


def encode(rgb: np.ndarray, x_components: int = 4, y_components: int = 3) -> str:
    """``rgb``: height x width x 3, uint8 sRGB. Components: 1 to 9 each (more = more detail, longer)."""
    if not (1 <= x_components <= 9 and 1 <= y_components <= 9):
        raise ValueError("BlurHash components must be between 1 and 9")
    height, width = rgb.shape[:2]
    linear = srgb_to_linear(rgb[..., :3].astype(np.float64))
    xs, ys = np.arange(width), np.arange(height)
    factors = []
    for j in range(y_components):
        for i in range(x_components):
            basis = np.cos(np.pi * j * ys / height)[:, None] * np.cos(np.pi * i * xs / width)[None, :]
            scale = 1.0 if i == 0 and j == 0 else 2.0
            factors.append(scale * np.einsum("hw,hwc->c", basis, linear) / (width * height))
    dc, ac = factors[0], factors[1:]
    text = base83((x_components - 1) + (y_components - 1) * 9, 1)
    if ac:
        actual_max = max(float(np.abs(f).max()) for f in ac)
        quantised_max = int(max(0, min(82, np.floor(actual_max * 166 - 0.5))))
        maximum = (quantised_max + 1) / 166
        text += base83(quantised_max, 1)
    else:
        maximum = 1.0
        text += base83(0, 1)
    r, g, b = (linear_to_srgb(float(c)) for c in dc)
    text += base83((r << 16) + (g << 8) + b, 4)
    for factor in ac:
        q = [int(max(0, min(18, np.floor(_sign_pow(float(c) / maximum, 0.5) * 9 + 9.5)))) for c in factor]
        text += base83(q[0] * 19 * 19 + q[1] * 19 + q[2], 2)
    return text
