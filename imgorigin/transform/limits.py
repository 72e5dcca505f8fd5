"""The caps on what a transformation may ask for: the grammar's own ceilings, and ``Limits``, which the
settings build (they may lower a ceiling, never raise it) and which the parser, the cost estimate and
the steps enforce."""

from __future__ import annotations

from dataclasses import dataclass

# Hard ceilings of the grammar itself; the settings may only lower them.
GRAMMAR_MAX_SIDE = 16383
# Cloudinary's own ceiling; Limits.max_dpr may lower it, never raise it past what the grammar accepts.
MAX_DPR = 4.0


@dataclass(frozen=True)
class Limits:
    """The caps the parser enforces; built from the settings, defaults for tests and tools."""

    max_components: int = 12
    max_output_side: int = 8192
    max_output_pixels: int = 40_000_000
    max_dpr: float = MAX_DPR
    max_animation_pixels: int = 200_000_000  # frames x width x height of an animated result
    max_render_cost: float = 400.0  # megapixel passes (transform/cost.py); 0: no limit
