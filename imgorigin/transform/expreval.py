"""A ``Program`` evaluated against the source's header into the plain ``Transformation`` it stands for.

The walk follows the chain as the renderer will: ``iw``/``ih``/``iar``/``pc`` come from the header,
``w``/``h``/``ar`` from the size after the components before (``cost.size_after``, the same
arithmetic the renderer runs). ``w_auto`` and ``dpr_auto`` are resolved from the client hints where
they stand, so ``w`` after them is the width they chose. Every failure (an undefined variable, a
division by zero, a value out of its parameter's range) is a 400 raised here, before any pixel is decoded.
"""

from __future__ import annotations

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import expr as x
from imgorigin.transform import params as p
from imgorigin.transform.autosize import component_hints, resolve_component
from imgorigin.transform.cost import size_after
from imgorigin.transform.exprplan import KINDS, NUMBER, Block, Node, Program, Slot, Step, TextSlot
from imgorigin.transform.limits import Limits
from imgorigin.transform.numbers import format_number, round_half_up
from imgorigin.transform.plan import parse, parse_component
from imgorigin.transform.responsive import NO_HINTS, Hints
from imgorigin.transform.source import Header
from imgorigin.transform.transformation import Transformation


class _Run:
    def __init__(self, header: Header, limits: Limits, hints: Hints) -> None:
        self.header = header
        self.limits = limits
        self.hints = hints
        self.values: dict[str, x.Value] = {}
        self.exact: set[str] = set()  # variables that hold a literal as written, not a computed result
        self.size: tuple[int, int] | None = header.size
        self.unknown_after = ""
        self.components: list[str] = []
        self.scope = x.Scope(self.values, self.sizes)

    def sizes(self, name: str, where: str) -> float:
        header = self.header
        if name in ("iw", "ih", "iar", "pc"):
            return float({"iw": header.width, "ih": header.height, "pc": header.pages,
                          "iar": round(header.width / header.height, x.PLACES)}[name])
        if self.size is None:
            raise x.Invalid(where, f"{name} ({x.PREDEFINED[name]}) is not known after {self.unknown_after}, "
                                   "whose result depends on the pixels; use iw, ih or iar")
        width, height = self.size
        return float({"w": width, "h": height, "ar": round(width / height, x.PLACES)}[name])

    def walk(self, nodes: tuple[Node, ...]) -> None:
        for node in nodes:
            if isinstance(node, Block):
                chosen = node.then if x.holds(node.condition, self.scope, node.where) else node.otherwise
                self.walk(chosen)
            else:
                self.step(node)

    def step(self, step: Step) -> None:
        if step.condition is not None and not x.holds(step.condition, self.scope, step.where):
            return
        for assign in step.assigns:
            self.values[assign.name] = x.evaluate(assign.value, self.scope, assign.where)
            if isinstance(assign.value, (x.Number, x.Text)) or (
                    isinstance(assign.value, x.Variable) and assign.value.name in self.exact):
                self.exact.add(assign.name)
            else:
                self.exact.discard(assign.name)
        text = ",".join(self.token(token) for token in step.tokens)
        if not text:
            return
        if not (step.in_layer or step.places):
            text = self.resolved(text)
        self.components.append(text)
        if step.in_layer or step.places or self.size is None:
            return
        component = parse_component(text, self.limits, check=False)
        self.size = size_after(self.size, component)
        effect = component.get(p.EFFECT)
        if self.size is None and effect is not None:  # only an effect makes the size unknown
            self.unknown_after = f"e_{effect.name}"

    def resolved(self, text: str) -> str:
        """The component with w_auto and dpr_auto chosen by the hints, checked as written first (an
        effect's region cannot be w_auto, whatever it would resolve to)."""
        component = parse_component(text, self.limits, check=False)
        if component_hints(component) == (False, False):
            return text
        component = parse_component(text, self.limits)
        return resolve_component(component, self.hints, self.header.width, self.limits).canonical()

    def token(self, token: str | Slot | TextSlot) -> str:
        if isinstance(token, str):
            return token
        if isinstance(token, TextSlot):
            text = token.value
            for name in token.names:
                if name not in self.values:
                    raise InvalidTransformation(f"Invalid {token.key}_ text: ${name} is not defined before it is used")
                value = self.values[name]
                text = text.replace(f"$({name})", value if isinstance(value, str) else format_number(value))
            return f"{token.key}_{text}"
        value = x.evaluate(token.value, self.scope, token.where)
        if isinstance(value, str):
            raise x.Invalid(token.where, f"{token.key}_ needs a number, not the string !{value}!")
        written = self._format(token, value)
        try:
            p.PARAMS[token.key].parse(token.prefix + written)
        except InvalidTransformation as exc:
            concrete = f"{token.key}_{token.prefix}{written}"
            raise InvalidTransformation(
                exc.message.replace(f"Invalid {concrete}:", f"Invalid {token.where} ({concrete} for this image):")
            ) from None
        return f"{token.key}_{token.prefix}{written}"

    def _format(self, token: Slot, value: float) -> str:
        exact = isinstance(token.value, x.Number) or (
            isinstance(token.value, x.Variable) and token.value.name in self.exact)
        if KINDS[token.key] == NUMBER or exact:
            return format_number(value)  # a decimal stays a decimal: w_$f with $f_0.5 is w_0.5, half the width
        return str(round_half_up(value))  # computed pixels and integers: the nearest whole number


def evaluate(program: Program, header: Header, limits: Limits, hints: Hints = NO_HINTS) -> Transformation:
    """The plain transformation ``program`` stands for on a source with ``header``, seen by a browser
    that sent ``hints``."""
    run = _Run(header, limits, hints)
    run.walk(program.nodes)
    return parse("/".join(run.components), limits)
