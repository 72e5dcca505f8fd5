"""The playground's inputs for effect strengths, angle and opacity (web/js/options.js) use the ranges
the URL grammar declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imgorigin.transform import params as p
from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.values import DEGREES

OPTIONS = Path(__file__).resolve().parents[2] / "imgorigin" / "web" / "js" / "options.js"
NUMBER = re.compile(
    r'number\("(?P<id>\w+)", "(?P<label>[^"]*)", "\w+", \[(?P<low>-?\d+), (?P<high>-?\d+), 1\], '
    r'(?:effect\("(?P<effect>\w+)"\)|key\("(?P<key>\w+)"\)|\(v, all\) => \[effect\("(?P<combined>\w+)"\))'
)


def declared(match: re.Match[str]) -> tuple[float, float]:
    name = match["effect"] or match["combined"]
    if name is not None:
        level = EFFECTS[name].level
        assert level is not None, name
        return level.low, level.high
    bounds = DEGREES if match["key"] == "a" else p.PARAMS[match["key"]].range
    assert bounds is not None, match["key"]
    return bounds.low, bounds.high


# Sizes, offsets and pages are the playground's own choices below the server's caps (which the
# settings may lower): only effect strengths, the angle and the opacity are the grammar's ranges.
INPUTS = [m for m in NUMBER.finditer(OPTIONS.read_text()) if m["key"] not in {"w", "h", "x", "y", "pg"}]


def test_the_effect_inputs_are_found() -> None:
    assert {m["effect"] or m["combined"] for m in INPUTS} >= {"blur", "sepia", "brightness", "trim", "colorize"}


@pytest.mark.parametrize("match", INPUTS, ids=[m["id"] for m in INPUTS])
def test_each_number_input_has_the_declared_range(match: re.Match[str]) -> None:
    low, high = declared(match)
    assert (int(match["low"]), int(match["high"])) == (low, high)
    label = match["label"].replace("\u2212", "-")
    shown = re.search(r"(-?\d+)\u2013(-?\d+)\)", label)
    if shown:  # the label repeats the range for the reader
        assert (int(shown[1]), int(shown[2])) == (low, high)
