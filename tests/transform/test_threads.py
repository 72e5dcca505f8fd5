"""libvips threads in a server process: one per render, every core for an AVIF encode."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imgorigin import asgi
from imgorigin.blob import Blob
from imgorigin.transform import encode as encoding
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, read_header
from imgorigin.transform.threads import every_core, one_per_render
from imgorigin.transform.values import OutputFormat
from imgorigin.transform.vips import set_threads, threads
from tests.helpers import jpeg

CORES = os.cpu_count() or 1


@pytest.fixture
def restore_threads() -> Iterator[None]:
    before = threads()
    yield
    set_threads(before)


def test_one_thread_per_render_and_every_core_while_an_avif_encodes(
    monkeypatch: pytest.MonkeyPatch, restore_threads: None
) -> None:
    monkeypatch.delenv("VIPS_CONCURRENCY", raising=False)
    one_per_render()
    assert threads() == 1
    with every_core():
        assert threads() == CORES
        with every_core():  # a second AVIF encode of the worker (AVIF_CONCURRENCY=2)
            assert threads() == CORES
        assert threads() == CORES  # the first one still runs
    assert threads() == 1


def test_an_operators_vips_concurrency_is_kept(monkeypatch: pytest.MonkeyPatch, restore_threads: None) -> None:
    monkeypatch.setenv("VIPS_CONCURRENCY", "3")
    set_threads(3)
    one_per_render()
    with every_core():
        assert threads() == 3
    assert threads() == 3


def test_a_process_that_never_chose_one_thread_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, restore_threads: None
) -> None:
    monkeypatch.delenv("VIPS_CONCURRENCY", raising=False)
    set_threads(CORES + 1)  # a CLI command or a test: libvips' own default
    with every_core():
        assert threads() == CORES + 1
    assert threads() == CORES + 1


@pytest.mark.parametrize(("fmt", "expected"), [(OutputFormat.AVIF, CORES), (OutputFormat.WEBP, 1),
                                               (OutputFormat.JPEG, 1)])
def test_the_threads_each_encoder_runs_with(monkeypatch: pytest.MonkeyPatch, restore_threads: None,
                                            fmt: OutputFormat, expected: int) -> None:
    monkeypatch.delenv("VIPS_CONCURRENCY", raising=False)
    seen: list[int] = []
    real = encoding._encode

    def spy(*args: object, **kwargs: object) -> bytes:
        seen.append(threads())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(encoding, "_encode", spy)
    one_per_render()
    blob = Blob(data=jpeg(320, 240))
    rendered = render(blob, read_header(blob, SourceLimits()), parse("w_100"), fmt, Limits(), timeout=30)
    assert rendered.data and seen == [expected] and threads() == 1


def test_a_server_process_starts_with_one_thread_per_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_threads: None
) -> None:
    monkeypatch.delenv("VIPS_CONCURRENCY", raising=False)
    monkeypatch.setenv("IMGORIGIN_DATA_DIR", str(tmp_path))
    set_threads(CORES + 1)
    with TestClient(asgi.create_from_env()) as client:  # the app's lifespan runs, and closes what it opened
        assert client.get("/healthz").status_code == 200
        assert threads() == 1
