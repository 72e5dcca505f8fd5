"""The per-host render counter (imgorigin/state/rendercount.py) where the app tests do not reach it directly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from imgorigin.state.rendercount import RenderCounter


def test_renders_are_counted_per_month_and_expire_after_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = RenderCounter(tmp_path)
    try:
        months = iter(["2026-11", "2026-12"])  # the month turns while one render is being counted
        monkeypatch.setattr(RenderCounter, "month", staticmethod(lambda now=None: next(months)))
        counter.count("img1")
        monkeypatch.undo()
        assert counter.total(["img1"], "2026-11") == 1 and counter.total(["img1"], "2026-12") == 0
        _, expires = counter._cache.get("2026-11:img1", expire_time=True)
        assert expires is not None and abs(expires - (time.time() + 62 * 86400)) < 60
        counter.count("img1")
        counter.count("img2")
        assert counter.total(["img1", "img2"]) == 2
    finally:
        counter.close()
