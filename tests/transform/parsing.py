"""Assertions the parser tests share: a URL refused with an exact message, a canonical form that
parses back to the same plan."""

from __future__ import annotations

import pytest

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.plan import parse


def assert_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidTransformation) as raised:
        parse(text)
    assert str(raised.value) == message


def assert_canonical(text: str, canonical: str) -> None:
    plan = parse(text)
    assert plan.canonical() == canonical
    assert parse(canonical) == plan
