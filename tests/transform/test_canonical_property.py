"""Property: whatever parses, its canonical form parses back to the same plan (overlays included)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.layers import TextLayer, escape_text
from imgorigin.transform.plan import parse
from tests.transform.strategies import STRUCTURAL, VALUES, refused, texts, transformations


def test_the_strategies_cover_every_registered_parameter() -> None:
    missing = set(p.PARAMS) - set(VALUES) - STRUCTURAL
    assert not missing, f"add spellings of {sorted(missing)} to VALUES in tests/transform/strategies.py"
    for key, spellings in VALUES.items():
        for raw in spellings:
            p.PARAMS[key].parse(raw)


@settings(max_examples=300, deadline=None)
@given(transformations())
def test_canonical_round_trip(text: str) -> None:
    plan = parse(text)  # valid by construction: a refusal here is a parser bug or a strategy bug
    canonical = plan.canonical()
    again = parse(canonical)
    assert again == plan
    assert again.canonical() == canonical


@settings(max_examples=100, deadline=None)
@given(refused())
def test_one_broken_component_refuses_the_whole_transformation(case: tuple[str, str]) -> None:
    text, message = case
    with pytest.raises(InvalidTransformation) as raised:
        parse(text)
    assert str(raised.value).startswith(message)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_text_survives_escaping_and_double_decoding(text: str) -> None:
    component = parse(f"l_text:arial_20:{escape_text(text)}").components[0]
    assert component.overlay is not None
    source = component.overlay.source
    assert isinstance(source, TextLayer)
    assert source.text == text
