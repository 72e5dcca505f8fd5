"""Render concurrency: AVIF encodes are gated separately so a burst of them keeps memory bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from imgorigin.renderer import Derived, Renderer
from imgorigin.services import Services
from imgorigin.transform.plan import parse
from imgorigin.transform.values import OutputFormat
from tests.conftest import make_settings


def peak_concurrency(renderer: Renderer, fmt: OutputFormat, count: int) -> int:
    """Start ``count`` distinct renders at once; the most that ran at the same time."""
    lock = threading.Lock()
    state = {"active": 0, "peak": 0}

    def fake_render(key: str, image_id: str, plan: object, fmt: OutputFormat, variant: str = "") -> Derived:
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        time.sleep(0.05)
        with lock:
            state["active"] -= 1
        return Derived(b"", fmt, '"x"', cached=False)

    renderer._render = fake_render  # type: ignore[method-assign]

    async def burst() -> None:
        plans = [parse(f"w_{100 + i}") for i in range(count)]
        await asyncio.gather(*(renderer.derive("img", plan, fmt, fmt.value) for plan in plans))

    asyncio.run(burst())
    return state["peak"]


def test_avif_encodes_are_limited_separately(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, cache_size=0, render_concurrency=4, avif_concurrency=1)
    services = Services.build(settings)
    try:
        assert peak_concurrency(services.renderer, OutputFormat.AVIF, 4) == 1
        assert peak_concurrency(services.renderer, OutputFormat.JPEG, 4) == 4
    finally:
        services.close()


def test_avif_concurrency_is_a_setting(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, cache_size=0, render_concurrency=4, avif_concurrency=2)
    services = Services.build(settings)
    try:
        assert peak_concurrency(services.renderer, OutputFormat.AVIF, 4) == 2
    finally:
        services.close()
