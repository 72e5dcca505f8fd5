"""Flags (``fl_<name>[:<value>]``, several joined by '.'): one small declaration each, in a registry.

``fl_layer_apply.relative`` parses into ``Flags`` holding both names; a flag that takes a value
(``fl_attachment:cat``) keeps it typed next to its name. Unknown or repeated flags are refused, and
the canonical form lists flags in alphabetical order so equal requests share one cache key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def no_value(raw: str | None) -> None:
    if raw is not None:
        raise ValueError("no value")


@dataclass(frozen=True)
class Flag:
    name: str
    doc: str
    example: str
    parse_arg: Callable[[str | None], Any] = no_value
    format_arg: Callable[[Any], str | None] = lambda arg: None if arg is None else str(arg)


FLAGS: dict[str, Flag] = {}


def register(flag: Flag) -> Flag:
    if flag.name in FLAGS:
        raise RuntimeError(f"flag fl_{flag.name} is declared twice")
    FLAGS[flag.name] = flag
    return flag


@dataclass(frozen=True)
class Flags:
    """The flags of one component: (name, value) pairs sorted by name; value None for plain flags."""

    items: tuple[tuple[str, Any], ...] = ()

    def __contains__(self, name: object) -> bool:
        return any(name == item for item, _ in self.items)

    def value(self, name: str) -> Any:
        return dict(self.items).get(name)

    def without(self, name: str) -> Flags:
        return Flags(tuple(item for item in self.items if item[0] != name))

    def canonical(self) -> str:
        parts = []
        for name, arg in self.items:
            formatted = FLAGS[name].format_arg(arg)
            parts.append(name if formatted is None else f"{name}:{formatted}")
        return ".".join(parts)


def parse_flags(raw: str) -> Flags:
    items: dict[str, Any] = {}
    for part in raw.split("."):
        name, sep, arg = part.partition(":")
        flag = FLAGS.get(name)
        if flag is None:
            raise ValueError(f"known flags joined by '.' ({', '.join(sorted(FLAGS))})")
        if name in items:
            raise ValueError(f"each flag once (fl_{name} is repeated)")
        try:
            items[name] = flag.parse_arg(arg if sep else None)
        except ValueError as exc:
            raise ValueError(f"{exc} after fl_{name}:") from None
    return Flags(tuple(sorted(items.items())))


LAYER_APPLY = register(Flag(
    "layer_apply",
    "Closes an overlay started by l_: this component places the layer with g_, x_, y_ and o_.",
    "l_logo/w_100/fl_layer_apply,g_south_east,x_10,y_10",
)).name
RELATIVE = register(Flag(
    "relative",
    "Inside an overlay, decimal w_ and h_ are fractions of the base image instead of the layer.",
    "l_logo,w_0.25,fl_relative,g_north_east",
)).name
