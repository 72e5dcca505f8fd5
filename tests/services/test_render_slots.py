"""Render concurrency and memory: AVIF encodes gated separately, the allocator set before workers start."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from imgorigin.services.renderer import Derived, Renderer
from imgorigin.services.wiring import Services
from imgorigin.transform.plan import parse
from imgorigin.transform.values import OutputFormat
from tests.helpers import make_settings, wait_until


def peak_concurrency(renderer: Renderer, fmt: OutputFormat, count: int) -> int:
    """Start ``count`` distinct renders at once; the most that ran at the same time.

    Each render holds its slot until every one of the ``count`` has either started or is queued at a
    gate: a gate that let too many through shows them all running together, whatever the timing."""
    lock = threading.Lock()
    state = {"active": 0, "peak": 0, "started": 0}

    def accounted() -> bool:
        queued = renderer.slots.waiting + renderer.avif_slots.waiting
        return state["started"] + queued >= count

    def fake_render(
        key: str, image_id: str, plan: object, output: OutputFormat, deadline: object = None
    ) -> Derived:
        with lock:
            state["active"] += 1
            state["started"] += 1
            state["peak"] = max(state["peak"], state["active"])
        wait_until(accounted, "every render starting or queueing", timeout=10, interval=0.005)
        with lock:
            state["active"] -= 1
        return Derived(b"", output, '"x"', cached=False)

    renderer._render = fake_render  # type: ignore[method-assign, assignment]

    async def burst() -> None:
        plans = [parse(f"w_{100 + i}") for i in range(count)]
        await asyncio.gather(*(renderer.derive("img", plan, fmt) for plan in plans))

    asyncio.run(burst())
    assert state["started"] == count
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


def test_serve_sets_the_allocator_before_workers_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """glibc reads the variables when a process starts: serve sets them and starts itself again in place."""
    import sys

    import uvicorn

    from imgorigin.cli.main import main

    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    started: dict[str, str | None] = {}
    execs: list[list[str]] = []

    class Restarted(Exception):
        pass

    def fake_exec(path: str, argv: list[str]) -> None:
        execs.append([path, *argv])
        raise Restarted

    def fake_run(*args: object, **kwargs: object) -> None:
        started.update({name: os.environ.get(name) for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_")})

    monkeypatch.setattr(os, "execv", fake_exec)
    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("IMGORIGIN_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(Restarted):
        main(["serve", "--workers", "2"])
    assert execs == [[sys.executable, sys.executable, "-m", "imgorigin", "serve", "--workers", "2"]]
    assert main(["serve", "--workers", "2"]) == 0  # the restarted process: the variables are there
    assert started == {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072"}
    assert len(execs) == 1
