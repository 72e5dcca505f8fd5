"""If-None-Match as RFC 9110 defines it: ``*``, a list of entity tags, weak comparison."""

from __future__ import annotations

import pytest

from imgorigin.delivery.conditional import none_match

ETAG = '"0123456789abcdef"'


@pytest.mark.parametrize("header", [
    ETAG,
    'W/"0123456789abcdef"',
    '"other", "0123456789abcdef"',
    '"other",W/"0123456789abcdef" ,"third"',
    ' , "a,b", "0123456789abcdef"',
    "*",
    " * ",
])
def test_matches(header: str) -> None:
    assert none_match(header, ETAG)


@pytest.mark.parametrize("header", [
    None,
    "",
    '"other"',
    'W/"other", "0123456789abcde"',
    "0123456789abcdef",  # unquoted: not an entity tag
    '"0123456789abcdef',
    'w/"0123456789abcdef"',  # the weak prefix is case-sensitive
    '"0123456789abcdef" junk',
    '*, "0123456789abcdef"',  # "*" stands alone or not at all
    '"0123456789abcdef"\n',
])
def test_does_not_match(header: str | None) -> None:
    assert not none_match(header, ETAG)


def test_our_weak_tag_compares_weakly() -> None:
    assert none_match('"x"', 'W/"x"')
