"""Dominant colours: a weighted k-means over a small thumbnail, deterministic from start to end.

Pixels are first binned (5 bits per channel) so k-means runs over a few hundred weighted colours
instead of thousands of pixels; seeds are the most common bin, then each time the bin that is
furthest (weighted) from the seeds so far, so a small but distinct accent still gets a seed.
Transparent pixels do not count.
"""

from __future__ import annotations

import numpy as np

MIN_SHARE = 0.005
MERGE = 20.0  # RGB distance under which two colours read as one
ITERATIONS = 20


def _seeds(colours: np.ndarray, weights: np.ndarray, count: int) -> np.ndarray:
    chosen = [int(np.argmax(weights))]
    distance = ((colours - colours[chosen[0]]) ** 2).sum(axis=1)
    while len(chosen) < count:
        score = weights * distance
        if score.max() <= 0:
            break
        chosen.append(int(np.argmax(score)))
        distance = np.minimum(distance, ((colours - colours[chosen[-1]]) ** 2).sum(axis=1))
    return colours[chosen].copy()


def dominant_colors(pixels: np.ndarray, count: int = 5) -> list[tuple[str, float]]:
    """``pixels``: N x 3 uint8 sRGB (opaque pixels only). (hex colour, share of pixels), largest first."""
    if len(pixels) == 0:
        return []
    bins, inverse, weights = np.unique(pixels >> 3, axis=0, return_inverse=True, return_counts=True)
    sums = np.zeros((len(bins), 3))
    np.add.at(sums, inverse.reshape(-1), pixels.astype(np.float64))
    colours = sums / weights[:, None]
    centres = _seeds(colours, weights.astype(np.float64), min(count, len(bins)))
    for _ in range(ITERATIONS):
        labels = ((colours[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        moved = centres.copy()
        for k in range(len(centres)):
            members = labels == k
            if members.any():
                moved[k] = (colours[members] * weights[members, None]).sum(axis=0) / weights[members].sum()
        if np.allclose(moved, centres):
            break
        centres = moved
    labels = ((colours[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    shares = np.bincount(labels, weights=weights, minlength=len(centres)) / weights.sum()
    kept: list[tuple[np.ndarray, float]] = []
    for k in np.argsort(-shares):
        # Resampling leaves near-copies of a colour at its edges: fold them into the colour itself.
        near = next((i for i, (colour, _) in enumerate(kept) if np.linalg.norm(colour - centres[k]) < MERGE), None)
        if near is None:
            kept.append((centres[k], float(shares[k])))
        else:
            kept[near] = (kept[near][0], kept[near][1] + float(shares[k]))
    found = []
    for colour, share in sorted(kept, key=lambda item: -item[1]):
        if share >= MIN_SHARE:
            r, g, b = (round(float(c)) for c in colour)
            found.append((f"#{r:02x}{g:02x}{b:02x}", round(share, 3)))
    return found
