"""Cloudinary's arithmetic and conditions, parsed into a typed tree and evaluated against an image's sizes.

A value such as ``iw_div_2`` or ``$size_mul_2_add_10`` is terms joined by ``_``: numbers (``300``,
``0.5``, a ratio ``3:4``), user variables (``$size``), the image's sizes (``iw ih w h ar iar pc``)
and the operators ``add sub mul div mod pow``. ``pow`` binds tightest, then ``mul div mod``, then
``add sub``, each from left to right (``pow`` from the right). A condition (``if_w_gt_1000_and_ar_lt_1``)
compares two such values with ``eq ne lt gt lte gte``; ``and`` binds tighter than ``or``. Strings
are written ``!text!`` and only compared with ``eq``/``ne``. No pyvips here.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from imgorigin.errors import InvalidTransformation

MAX_LENGTH = 200  # characters of one expression or condition
MAX_OPERATIONS = 16  # operators and comparisons in one expression or condition

PREDEFINED = {
    "iw": "the initial width",
    "ih": "the initial height",
    "w": "the current width",
    "h": "the current height",
    "ar": "the current aspect ratio",
    "iar": "the initial aspect ratio",
    "pc": "the page (frame) count",
    "pages": "the page (frame) count",
}
# Cloudinary's characteristics that need what an origin does not keep (tags, context, faces, video).
UNSUPPORTED = ("cp", "fc", "tar", "ils", "ctx", "tags", "du", "idu", "px", "py")
ARITHMETIC: dict[str, tuple[int, Callable[[float, float], float]]] = {
    "add": (1, operator.add), "sub": (1, operator.sub),
    "mul": (2, operator.mul), "div": (2, operator.truediv), "mod": (2, math.fmod),
    "pow": (3, math.pow),
}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "gt": operator.gt, "lte": operator.le,
    "gte": operator.ge,
}
VARIABLE = re.compile(r"\$([a-zA-Z][a-zA-Z0-9]{0,31})")
_NUMBER = re.compile(r"-?[0-9]{1,9}(?:\.[0-9]{1,6})?")
_RATIO = re.compile(r"([0-9]{1,5}(?:\.[0-9]{1,6})?):([0-9]{1,5}(?:\.[0-9]{1,6})?)")
_STRING = re.compile(r"![^!/,]{0,100}!")
PLACES = 6  # results are rounded to this many decimals, as literals are


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class Predefined:
    name: str


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Comparison:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Logic:
    op: str  # and, or
    left: Condition
    right: Condition


Expr = Number | Text | Variable | Predefined | Binary
Condition = Comparison | Logic
Value = float | str


class Invalid(InvalidTransformation):
    """A 400 whose message names the parameter as written: ``Invalid w_iw_div: ...``."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"Invalid {where}: {problem}")


def tokens(text: str, where: str) -> list[str]:
    """Terms and operators between ``_``; a ``!string!`` is one term whatever it holds."""
    if len(text) > MAX_LENGTH:
        raise Invalid(where[:40] + "...", f"an expression may be {MAX_LENGTH} characters long, not {len(text)}")
    found: list[str] = []
    position = 0
    while position <= len(text):
        if text.startswith("!", position):
            match = _STRING.match(text, position)
            if match is None:
                raise Invalid(where, "a string is written !text! (at most 100 characters, no '!', ',' or '/')")
            term, position = match[0], match.end()
        else:
            end = text.find("_", position)
            end = len(text) if end < 0 else end
            term, position = text[position:end], end
        if not term:
            raise Invalid(where, "an empty term ('_' at an end or two in a row)")
        found.append(term)
        if position < len(text) and text[position] != "_":
            raise Invalid(where, f"expected '_' after {term!r}")
        position += 1
    return found


def _operand(term: str, where: str) -> Expr:
    if term in PREDEFINED:
        return Predefined("pc" if term == "pages" else term)
    variable = VARIABLE.fullmatch(term)
    if variable is not None:
        return Variable(variable[1])
    if _NUMBER.fullmatch(term):
        return Number(float(term))
    ratio = _RATIO.fullmatch(term)
    if ratio is not None and float(ratio[2]) > 0:
        return Number(round(float(ratio[1]) / float(ratio[2]), PLACES))
    if _STRING.fullmatch(term):
        return Text(term[1:-1])
    if term in ARITHMETIC or term in COMPARISONS or term in ("and", "or"):
        raise Invalid(where, f"expected a value where the operator {term!r} stands")
    if term in UNSUPPORTED or term in ("in", "nin"):
        raise Invalid(where, f"{term!r} is a Cloudinary condition this server does not support")
    raise Invalid(where, f"unknown term {term!r}: expected a number, a $variable or one of "
                         f"{', '.join(PREDEFINED)}")


def _arithmetic(terms: list[str], where: str) -> Expr:
    """Precedence climbing over operand (operator operand)*."""
    if not terms:
        raise Invalid(where, "a value is missing")
    position = 0

    def climb(floor: int) -> Expr:
        nonlocal position
        left = _operand(terms[position], where)
        position += 1
        while position < len(terms):
            op = terms[position]
            if op not in ARITHMETIC:
                raise Invalid(where, f"expected an operator (add, sub, mul, div, mod, pow) after "
                                     f"{terms[position - 1]!r}, not {op!r}")
            strength = ARITHMETIC[op][0]
            if strength < floor:
                break
            if position + 1 == len(terms):
                raise Invalid(where, f"the operator {op!r} needs a value after it")
            position += 1
            right = climb(strength if op == "pow" else strength + 1)
            left = Binary(op, left, right)
        return left

    return climb(1)


def _count_operators(terms: list[str], where: str) -> None:
    count = sum(1 for term in terms if term in ARITHMETIC or term in COMPARISONS)
    if count > MAX_OPERATIONS:
        raise Invalid(where, f"an expression may hold {MAX_OPERATIONS} operators, not {count}")


def parse_expression(text: str, where: str) -> Expr:
    """``text`` is the value after ``key_``; ``where`` how the user wrote it, for messages."""
    terms = tokens(text, where)
    _count_operators(terms, where)
    return _arithmetic(terms, where)


def _comparison(terms: list[str], where: str) -> Comparison:
    found = [index for index, term in enumerate(terms) if term in COMPARISONS]
    if len(found) != 1:
        clause = "_".join(terms)
        raise Invalid(where, f"{clause!r} must compare two values with one of {', '.join(COMPARISONS)}")
    index = found[0]
    return Comparison(terms[index], _arithmetic(terms[:index], where), _arithmetic(terms[index + 1:], where))


def parse_condition(text: str, where: str) -> Condition:
    """``w_gt_1000_and_ar_lt_1.0``: comparisons joined by ``and`` (first) and ``or``."""
    terms = tokens(text, where)
    _count_operators(terms, where)
    for term in terms:
        if term in UNSUPPORTED or term in ("in", "nin"):
            raise Invalid(where, f"{term!r} is a Cloudinary condition this server does not support")
    disjuncts: list[Condition] = []
    for any_of in _split(terms, "or", where):
        clauses = [_comparison(part, where) for part in _split(any_of, "and", where)]
        conjunction: Condition = clauses[0]
        for clause in clauses[1:]:
            conjunction = Logic("and", conjunction, clause)
        disjuncts.append(conjunction)
    condition = disjuncts[0]
    for other in disjuncts[1:]:
        condition = Logic("or", condition, other)
    return condition


def _split(terms: list[str], word: str, where: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for term in terms:
        if term == word:
            parts.append([])
        else:
            parts[-1].append(term)
    if any(not part for part in parts):
        raise Invalid(where, f"{word!r} needs a comparison on each side")
    return parts


def variables_of(node: Expr | Condition) -> set[str]:
    if isinstance(node, Variable):
        return {node.name}
    if isinstance(node, (Binary, Comparison, Logic)):
        return variables_of(node.left) | variables_of(node.right)
    return set()


def predefined_of(node: Expr | Condition) -> set[str]:
    if isinstance(node, Predefined):
        return {node.name}
    if isinstance(node, (Binary, Comparison, Logic)):
        return predefined_of(node.left) | predefined_of(node.right)
    return set()


@dataclass(frozen=True)
class Scope:
    """What an expression can read: the user's variables and the image's sizes at that point."""

    variables: Mapping[str, Value]
    sizes: Callable[[str, str], float]  # (predefined name, where) -> its value; a 400 when not known


def evaluate(node: Expr, scope: Scope, where: str) -> Value:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Text):
        return node.value
    if isinstance(node, Variable):
        if node.name not in scope.variables:
            raise Invalid(where, f"${node.name} is not defined before it is used (assign it first: "
                                 f"${node.name}_<value>)")
        return scope.variables[node.name]
    if isinstance(node, Predefined):
        return scope.sizes(node.name, where)
    left, right = evaluate(node.left, scope, where), evaluate(node.right, scope, where)
    if isinstance(left, str) or isinstance(right, str):
        raise Invalid(where, f"{node.op} needs numbers, not a string")
    if right == 0 and node.op in ("div", "mod"):
        raise Invalid(where, f"division by zero ({node.op} by 0)")
    try:
        result = ARITHMETIC[node.op][1](left, right)
    except (OverflowError, ValueError):
        raise Invalid(where, f"{node.op} has no finite real result") from None
    if not math.isfinite(result) or abs(result) > 1e15:
        raise Invalid(where, f"{node.op} has no finite result within range")
    return round(result, PLACES)


def holds(node: Condition, scope: Scope, where: str) -> bool:
    if isinstance(node, Logic):
        first = holds(node.left, scope, where)
        if node.op == "and":
            return first and holds(node.right, scope, where)
        return first or holds(node.right, scope, where)
    left, right = evaluate(node.left, scope, where), evaluate(node.right, scope, where)
    if isinstance(left, str) != isinstance(right, str):
        raise Invalid(where, "a string can only be compared with a string")
    if isinstance(left, str) and node.op not in ("eq", "ne"):
        raise Invalid(where, f"strings compare with eq or ne, not {node.op}")
    return COMPARISONS[node.op](left, right)  # type: ignore[arg-type]
