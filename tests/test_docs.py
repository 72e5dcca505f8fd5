"""docs/transformations.md documents every registered parameter, effect and flag, with working pictures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imgorigin.transform import params as p
from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.exprplan import parse_any
from imgorigin.transform.flags import FLAGS

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = DOCS / "transformations.md"
REGENERATE = "missing from docs/transformations.md: run `python docs/make_gallery.py` and commit the result"


@pytest.fixture(scope="module")
def page() -> str:
    return PAGE.read_text()


@pytest.mark.parametrize("key", sorted(p.PARAMS))
def test_every_parameter_has_a_section(page: str, key: str) -> None:
    assert f"### `{key}_` {p.PARAMS[key].name}\n" in page, f"{key}_ is {REGENERATE}"


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_every_effect_has_a_section(page: str, name: str) -> None:
    assert f"### `e_{name}`\n" in page, f"e_{name} is {REGENERATE}"


@pytest.mark.parametrize("name", sorted(FLAGS))
def test_every_flag_has_a_section(page: str, name: str) -> None:
    assert f"#### `fl_{name}`\n" in page, f"fl_{name} is {REGENERATE}"


def test_every_picture_exists_is_small_and_shows_a_valid_transformation(page: str) -> None:
    pictures = re.findall(r"!\[([^\]]*)\]\((gallery/[^)]+\.webp)\)", page)
    assert len(pictures) > len(p.PARAMS) + len(EFFECTS)
    for transformation, path in pictures:
        file = DOCS / path
        assert file.is_file(), f"{path} is {REGENERATE}"
        assert 0 < file.stat().st_size < 40_000, f"{path} is too big for a docs picture"
        if transformation not in ("original", "animation"):
            parse_any(transformation)  # a URL in the docs that would 400 is a bug in the docs


def test_no_stale_pictures(page: str) -> None:
    referenced = set(re.findall(r"\((gallery/[^)]+\.webp)\)", page))
    on_disk = {f"gallery/{file.name}" for file in (DOCS / "gallery").glob("*.webp")}
    assert on_disk == referenced
