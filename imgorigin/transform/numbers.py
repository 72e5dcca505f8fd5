"""The numbers inside parameter values: integers and decimals in a range, written back canonically.

A parser takes the raw text and returns the number, or raises ``ValueError`` whose text says what was
expected; ``Param`` turns that into the public message. Decimals keep their point in canonical form,
so ``w_1.0`` (100%) never reads back as one pixel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

INTEGER = re.compile(r"-?[0-9]{1,9}")
DECIMAL = re.compile(r"-?(?:[0-9]{1,9}\.[0-9]{1,12}|\.[0-9]{1,12})")
DECIMAL_PLACES = 6


def format_decimal(value: float) -> str:
    """A decimal that always keeps its point, so ``1.0`` (100%) never reads back as 1 pixel."""
    text = f"{value:.{DECIMAL_PLACES}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def format_number(value: float) -> str:
    """An integer when it is whole, otherwise a decimal: for degrees, ratios and factors."""
    return str(int(value)) if float(value).is_integer() else format_decimal(value)


# Range parsers are data, not closures: the JSON body, the OpenAPI document and the docs read the
# bounds from the declarations instead of repeating them.
@dataclass(frozen=True)
class IntBetween:
    low: int
    high: int

    def __call__(self, raw: str) -> int:
        if not INTEGER.fullmatch(raw) or not self.low <= int(raw) <= self.high:
            raise ValueError(f"an integer between {self.low} and {self.high}")
        return int(raw)


@dataclass(frozen=True)
class NumberBetween:
    low: float
    high: float
    exclusive_low: bool = False

    def __call__(self, raw: str) -> float:
        low, high = format_number(self.low), format_number(self.high)
        if not (INTEGER.fullmatch(raw) or DECIMAL.fullmatch(raw)):
            raise ValueError(f"a number between {low} and {high}")
        value = round(float(raw), DECIMAL_PLACES)
        too_low = value <= self.low if self.exclusive_low else value < self.low
        if too_low or value > self.high:
            if self.exclusive_low:
                raise ValueError(f"a number above {low} and at most {high}")
            raise ValueError(f"a number between {low} and {high}")
        return value


def int_between(low: int, high: int) -> IntBetween:
    return IntBetween(low, high)


def number_between(low: float, high: float, *, exclusive_low: bool = False) -> NumberBetween:
    return NumberBetween(low, high, exclusive_low)


def round_half_up(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def enum_parser(kind: type[StrEnum], what: str) -> Callable[[str], StrEnum]:
    choices = ", ".join(member.value for member in kind)

    def parse(raw: str) -> StrEnum:
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{what}: one of {choices}") from None

    return parse
