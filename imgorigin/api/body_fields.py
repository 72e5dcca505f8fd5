"""Reading the fields of the JSON transform body: one error class, exact messages naming the field.

Numbers are checked by the parsers the URL grammar declares, so the body's ranges and messages are
the URL's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imgorigin.errors import BadRequest


class BodyError(BadRequest):
    code = "invalid_transformation_body"


def fail(field: str, expected: str) -> BodyError:
    return BodyError(f"transformations.{field}: expected {expected}")


def checked_int(value: object, field: str, parse: Callable[[str], int]) -> int:
    """``value`` as the declared parser reads it; anything but a JSON integer is parsed as "" so that
    the parser's own message answers."""
    raw = str(value) if isinstance(value, int) and not isinstance(value, bool) else ""
    try:
        return parse(raw)
    except ValueError as exc:
        raise fail(field, str(exc)) from None


def boolean(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise fail(field, "true or false")
    return value


def fields(value: object, field: str, allowed: set[str]) -> dict[str, Any]:
    """``value`` as an object holding only ``allowed`` fields."""
    if not isinstance(value, dict):
        raise fail(field, "an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BodyError(f"transformations.{field}.{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")
    return value
