"""Transformations with variables, arithmetic and conditions: parsed at the URL, evaluated on the header.

``$size_300/c_fill,w_$size,h_$size_div_2`` or ``if_w_gt_1000/w_iw_div_2/if_else/w_300/if_end``
parse (strictly, every malformed term a 400 naming it) into a ``Program``; ``parse_any`` returns a
plain ``Transformation`` for the URLs that use none of this, so they cost nothing more. A program is
evaluated against the source's header (``expreval.evaluate``) into a plain ``Transformation``, whose
canonical form is the cache key: ``w_iw_div_2`` on a 1000-pixel image is the same derivative as ``w_500``.

- ``$name_<value>`` assigns (a number, ``!text!``, an expression); assignments in a component run
  before its other parameters, in the order written.
- ``if_<condition>`` alone opens a block closed by ``if_end`` (or by the end of the chain), with an
  optional ``if_else``; blocks nest ``MAX_DEPTH`` deep. ``if_<condition>,<params>`` guards that one component.
- Expressions stand in the values of ``w h x y r o q a z dpr ar`` and after ``e_<effect>:``;
  ``$(name)`` in a text overlay's text. ``w h ar`` are the current size, unknown inside an overlay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import expr as x
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse, parse_component
from imgorigin.transform.transformation import Transformation

MAX_DEPTH = 4  # nested if_ blocks
MAX_VARIABLES = 16  # distinct $names in one transformation
RAW_COMPONENTS_FACTOR = 3  # assignments and if_/if_else/if_end markers take components of their own

# How an expression's result is written back into a parameter: pixels and integers are rounded.
PIXELS, INTEGER, NUMBER = "pixels", "integer", "number"
KINDS = {"w": PIXELS, "h": PIXELS, "x": PIXELS, "y": PIXELS, "r": PIXELS, "o": INTEGER, "q": INTEGER,
         "e": INTEGER, "a": NUMBER, "z": NUMBER, "dpr": NUMBER, "ar": NUMBER}
CURRENT = {"w", "h", "ar"}


@dataclass(frozen=True)
class Assign:
    name: str
    value: x.Expr
    where: str  # the token as written


@dataclass(frozen=True)
class Slot:
    """A parameter whose value (after ``prefix``, e.g. ``blur:``) is an expression."""

    key: str
    prefix: str
    value: x.Expr
    where: str


@dataclass(frozen=True)
class TextSlot:
    """A text overlay whose text holds ``$(name)``."""

    key: str
    value: str
    names: tuple[str, ...]


Token = str | Slot | TextSlot


@dataclass(frozen=True)
class Step:
    """One component: a guard, assignments, then parameters (literal tokens or slots)."""

    condition: x.Condition | None
    assigns: tuple[Assign, ...]
    tokens: tuple[Token, ...]
    in_layer: bool  # transforms an overlay (or places one), not the image: the size does not follow it
    places: bool  # fl_layer_apply
    where: str  # the if_ token as written, for messages


@dataclass(frozen=True)
class Block:
    condition: x.Condition
    then: tuple[Node, ...]
    otherwise: tuple[Node, ...]
    where: str


Node = Step | Block


@dataclass(frozen=True)
class Program:
    nodes: tuple[Node, ...]

    def layer_ids(self) -> tuple[str, ...]:
        """The images any branch may draw (l_<id>, u_<id>): signing publishes them all."""
        found: list[str] = []
        pending = list(self.nodes)
        while pending:
            node = pending.pop(0)
            if isinstance(node, Block):
                pending[:0] = [*node.then, *node.otherwise]
                continue
            for token in node.tokens:
                if isinstance(token, str) and token.startswith(("l_", "u_")) and not token[2:].startswith("text:"):
                    found.append(token[2:])
        return tuple(found)


def _is_expression(value: str) -> bool:
    return "$" in value or any(term in x.PREDEFINED or term in x.ARITHMETIC for term in value.split("_"))


def uses_expressions(text: str) -> bool:
    for raw in text.split("/"):
        for token in raw.split(","):
            key, _, value = token.partition("_")
            if key in ("if",) or key.startswith("$") or (key in KINDS and _is_expression(value)):
                return True
            if key in ("l", "u") and "$(" in value:
                return True
    return False


def parse_any(text: str, limits: Limits | None = None) -> Transformation | Program:
    """A plain ``Transformation`` when ``text`` uses no expression, else a ``Program`` to evaluate."""
    limits = limits or Limits()
    if not uses_expressions(text):
        return parse(text, limits)
    return parse_program(text, limits)


def _layer_roles(raws: list[list[str]]) -> list[tuple[bool, bool]]:
    """(inside an overlay, places one) per component, read from the tokens as written."""
    def opens(tokens: list[str]) -> bool:
        return any(t.startswith(("l_", "u_")) for t in tokens) and not places(tokens)

    def places(tokens: list[str]) -> bool:
        return any(t.startswith("fl_") and "layer_apply" in t.split("_", 1)[1].split(".") for t in tokens)

    roles: list[tuple[bool, bool]] = []
    depth = 0
    for index, tokens in enumerate(raws):
        if places(tokens):
            depth = max(0, depth - 1)
            roles.append((depth > 0, True))
        elif opens(tokens):
            later = raws[index + 1:]
            closers = sum(1 for t in later if places(t)) - sum(1 for t in later if opens(t))
            roles.append((True, False))
            depth += 1 if closers > 0 else 0
        else:
            roles.append((depth > 0, False))
    return roles


def _check_current(node: x.Expr | x.Condition, where: str, in_layer: bool) -> None:
    used = sorted(x.predefined_of(node) & CURRENT)
    if in_layer and used:
        raise x.Invalid(where, f"{used[0]} ({x.PREDEFINED[used[0]]}) cannot be used inside an overlay; "
                               "use iw, ih, iar or fl_relative")


def _value(raw: str, where: str) -> x.Expr:
    if raw.startswith("!") and raw.endswith("!") and len(raw) > 1:
        terms = x.tokens(raw, where)
        if len(terms) == 1:
            return x.Text(raw[1:-1])
    return x.parse_expression(raw, where)


def _token(token: str, in_layer: bool) -> Token | Assign:
    key, _, value = token.partition("_")
    if key.startswith("$"):
        if not x.VARIABLE.fullmatch(key):
            raise InvalidTransformation(f"Invalid variable name {key}: a $ then a letter, then letters and digits "
                                        f"(at most 32), as in $size")
        if not value:
            raise InvalidTransformation(f"Variable {key} needs a value, e.g. {key}_300")
        assigned = _value(value, token)
        _check_current(assigned, token, in_layer)
        return Assign(key[1:], assigned, token)
    if key == "e" and ":" in value:
        name, _, arg = value.partition(":")
        if _is_expression(arg):
            slot = Slot(key, f"{name}:", x.parse_expression(arg, token), token)
            _check_current(slot.value, token, in_layer)
            return slot
    elif key in KINDS and _is_expression(value):
        if value.startswith("auto"):
            raise InvalidTransformation(f"{key}_auto takes whole numbers, not variables or arithmetic ({token})")
        slot = Slot(key, "", x.parse_expression(value, token), token)
        _check_current(slot.value, token, in_layer)
        return slot
    if key in ("l", "u") and "$(" in value:
        names = tuple(part.partition(")")[0] for part in value.split("$(")[1:])
        for name in names:
            if not x.VARIABLE.fullmatch(f"${name}"):
                raise InvalidTransformation(f"Invalid {key}_ text: $({name}) does not name a variable")
        return TextSlot(key, value, names)
    return token


def _step(raw: str, tokens: list[str], role: tuple[bool, bool], limits: Limits) -> Step:
    condition, where = None, ""
    if tokens[0].startswith("if_"):
        where = tokens[0]
        condition = x.parse_condition(tokens[0][3:], tokens[0])
        _check_current(condition, tokens[0], role[0])
        tokens = tokens[1:]
    assigns: list[Assign] = []
    params: list[Token] = []
    keys: set[str] = set()
    for token in tokens:
        if token.startswith("if_"):
            raise InvalidTransformation(f"if_ comes first in its component ({raw})")
        parsed = _token(token, role[0])
        if isinstance(parsed, Assign):
            assigns.append(parsed)
            continue
        key = parsed.partition("_")[0] if isinstance(parsed, str) else parsed.key
        if key in keys:
            raise InvalidTransformation(f"Parameter {key}_ appears twice in the component {raw!r}")
        keys.add(key)
        params.append(parsed)
    literal = [token for token in params if isinstance(token, str)]
    if literal:
        parse_component(",".join(literal), limits, check=False)  # unknown keys and bad values, now
    return Step(condition, tuple(assigns), tuple(params), *role, where)


def parse_program(text: str, limits: Limits) -> Program:
    raws = text.split("/")
    most = limits.max_components * RAW_COMPONENTS_FACTOR
    if len(raws) > most:
        raise InvalidTransformation(f"Too many components: {len(raws)} (the limit is {most} with variables "
                                    "and conditions)")
    if "" in raws:
        raise InvalidTransformation("Empty transformation component")
    split = [raw.split(",") for raw in raws]
    roles = _layer_roles(split)
    # Each open block: its condition, its then-branch, its else-branch once if_else was seen.
    stack: list[_Open] = []
    top: list[Node] = []
    names: set[str] = set()
    for raw, tokens, role in zip(raws, split, roles, strict=True):
        head = tokens[0]
        if head in ("if_end", "if_else") or (head.startswith("if_") and len(tokens) == 1):
            if len(tokens) > 1:
                raise InvalidTransformation(f"{head} stands alone in its component ({raw})")
            if head == "if_end" or head == "if_else":
                if not stack:
                    raise InvalidTransformation(f"{head} without an if_ before it")
                if head == "if_else":
                    if stack[-1].otherwise is not None:
                        raise InvalidTransformation(f"if_else appears twice for one {stack[-1].where}")
                    stack[-1].otherwise = []
                    continue
                block = stack.pop().block()
                _current(stack, top).append(block)
                continue
            if len(stack) == MAX_DEPTH:
                raise InvalidTransformation(f"Conditions nest {MAX_DEPTH} deep at most ({raw})")
            condition = x.parse_condition(head[3:], head)
            _check_current(condition, head, role[0])
            stack.append(_Open(condition, head))
            continue
        step = _step(raw, tokens, role, limits)
        names.update(assign.name for assign in step.assigns)
        _current(stack, top).append(step)
    while stack:  # an if_ left open runs to the end of the chain, as in Cloudinary
        block = stack.pop().block()
        _current(stack, top).append(block)
    if len(names) > MAX_VARIABLES:
        raise InvalidTransformation(f"Too many variables: {len(names)} (the limit is {MAX_VARIABLES})")
    return Program(tuple(top))


@dataclass
class _Open:
    """A block being read: its then-branch, and its else-branch once if_else was seen."""

    condition: x.Condition
    where: str
    then: list[Node] = field(default_factory=list)
    otherwise: list[Node] | None = None

    def block(self) -> Block:
        return Block(self.condition, tuple(self.then), tuple(self.otherwise or ()), self.where)


def _current(stack: list[_Open], top: list[Node]) -> list[Node]:
    if not stack:
        return top
    return stack[-1].then if stack[-1].otherwise is None else stack[-1].otherwise
