"""The JSON transform body takes its ranges, modes and formats from the URL declarations.

Each bound is read from the registry here too, so a change to a declaration that the body did not
follow fails; and the body's message for an out-of-range value is the URL parser's own.
"""

from __future__ import annotations

import dataclasses

import pytest

from imgorigin.api.body_fields import BodyError
from imgorigin.api.transform_body import FILTERS, FORMAT_NAMES, to_transformation
from imgorigin.api.watermark import watermark
from imgorigin.transform import params as p
from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.effects.registry import EFFECTS, no_value
from imgorigin.transform.layers import MAX_FONT_SIZE
from imgorigin.transform.limits import GRAMMAR_MAX_SIDE, Limits
from imgorigin.transform.output import QUALITY_RANGE
from imgorigin.transform.plan import parse
from imgorigin.transform.values import DEGREES, FORMAT_ALIASES, CropMode, Gravity, OutputFormat


def refusal(transformations: dict[str, object]) -> str:
    with pytest.raises(BodyError) as caught:
        to_transformation({"transformations": transformations})
    return caught.value.message


def registry_message(parse_value: object, raw: str) -> str:
    assert callable(parse_value)
    with pytest.raises(ValueError) as caught:
        parse_value(raw)
    return str(caught.value)


LEVELS = sorted(name for name, effect in FILTERS.items() if EFFECTS[effect].level is not None and name != "colorize")
SWITCHES = sorted(name for name, effect in FILTERS.items() if EFFECTS[effect].level is None)


@pytest.mark.parametrize("name", LEVELS)
def test_each_filter_level_is_the_effects_range(name: str) -> None:
    level = EFFECTS[FILTERS[name]].level
    assert level is not None
    for inside in (level.low, level.high):
        text = to_transformation({"transformations": {"filters": {name: inside}}})
        assert text == f"e_{FILTERS[name]}:{inside}"
        parse(text)
    for outside in (level.low - 1, level.high + 1):
        expected = registry_message(level, str(outside))
        assert refusal({"filters": {name: outside}}) == f"transformations.filters.{name}: expected {expected}"
    assert to_transformation({"transformations": {"filters": {name: True}}}) == f"e_{FILTERS[name]}"


@pytest.mark.parametrize("name", SWITCHES)
def test_filters_without_a_level_are_switches(name: str) -> None:
    assert EFFECTS[FILTERS[name]].parse_arg is no_value
    assert refusal({"filters": {name: 1}}) == f"transformations.filters.{name}: expected true or false"


def test_colorize_level_is_the_effects_range() -> None:
    level = EFFECTS["colorize"].level
    assert level is not None
    assert to_transformation({"transformations": {"filters": {"colorize": "red"}}}) == \
        f"co_rgb:ff0000,e_colorize:{level.default}"
    expected = registry_message(EFFECTS["colorize"].parse_arg, str(level.high + 1))
    assert refusal({"filters": {"colorize": {"color": "red", "level": level.high + 1}}}) == \
        f"transformations.filters.colorize.level: expected {expected}"


def test_a_changed_declaration_changes_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    blur = EFFECTS["blur"]
    assert blur.level is not None
    narrower = dataclasses.replace(blur.level, high=50)
    monkeypatch.setitem(EFFECTS, "blur", dataclasses.replace(blur, parse_arg=narrower, level=narrower))
    assert refusal({"filters": {"blur": 51}}) == "transformations.filters.blur: expected an integer between 1 and 50"


def test_sides_are_the_grammars() -> None:
    side = GRAMMAR_MAX_SIDE
    text = to_transformation({"transformations": {"resize": {"width": side, "height": side},
                                                  "crop": {"width": side, "height": side, "x": side, "y": side}}})
    assert text == f"c_crop,w_{side},h_{side},x_{side},y_{side}/w_{side},h_{side}"
    parse(text, Limits(max_output_side=side, max_output_pixels=side * side, max_render_cost=0))
    assert refusal({"resize": {"width": side + 1}}) == \
        f"transformations.resize.width: expected an integer between 1 and {side}"
    assert refusal({"crop": {"width": 1, "height": 1, "x": -1}}) == \
        f"transformations.crop.x: expected an integer between 0 and {side}"
    assert watermark({"image": "abc", "x": -side}).endswith(f"x_-{side}")
    with pytest.raises(BodyError, match=f"expected an integer between -{side} and {side}$"):
        watermark({"image": "abc", "x": side + 1})


def test_modes_gravities_and_blends_are_the_enums() -> None:
    modes = sorted(m.value for m in CropMode if m is not CropMode.CROP)
    assert refusal({"resize": {"width": 1, "mode": "stretch"}}) == \
        "transformations.resize.mode: expected one of " + ", ".join(modes)
    for mode in modes:
        parse(to_transformation({"transformations": {"resize": {"width": 10, "height": 10, "mode": mode}}}))
    assert refusal({"resize": {"width": 1, "gravity": "up"}}) == \
        "transformations.resize.gravity: expected one of " + ", ".join(g.value for g in Gravity)
    for blend in BLEND_MODES:
        assert watermark({"image": "abc", "blend": blend}).endswith(f",e_{blend}")


def test_formats_are_the_output_formats_and_their_aliases() -> None:
    for name in (*(f.value for f in OutputFormat), *FORMAT_ALIASES, "auto"):
        text = to_transformation({"transformations": {"format": name}})
        expected = "auto" if name == "auto" else OutputFormat(FORMAT_ALIASES.get(name, name)).value
        assert text == f"f_{expected}"
    expected = registry_message(p.FORMAT.parse_value, "bmp")
    assert refusal({"format": "bmp"}) == f"transformations.format: expected {expected}"


def test_quality_opacity_and_font_size_are_declared_ranges() -> None:
    high = QUALITY_RANGE.high
    assert to_transformation({"transformations": {"quality": high}}) == f"q_{high}"
    assert refusal({"quality": high + 1}) == \
        f"transformations.quality: expected {registry_message(QUALITY_RANGE, str(high + 1))}"
    opacity = p.OPACITY.parse_value
    with pytest.raises(BodyError, match=f"opacity: expected {registry_message(opacity, '101')}$"):
        watermark({"image": "abc", "opacity": 101})
    with pytest.raises(BodyError, match=f"size: expected an integer between 1 and {MAX_FONT_SIZE}$"):
        watermark({"text": "hi", "size": MAX_FONT_SIZE + 1})


def test_openapi_transform_body_is_the_registrys() -> None:
    from imgorigin.api.openapi_schemas import SCHEMAS
    from imgorigin.api.watermark import OPACITY_RANGE

    spec = SCHEMAS["TransformRequest"]["properties"]["transformations"]["properties"]
    filters = spec["filters"]["properties"]
    assert set(filters) == set(FILTERS)
    for name, effect in FILTERS.items():
        level = EFFECTS[effect].level
        schema = filters[name]
        if name == "colorize":
            schema = schema["oneOf"][1]["properties"]["level"]
        elif level is not None:
            schema = schema["oneOf"][1]
        if level is None:
            assert schema["type"] == "boolean", name
        else:
            assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", level.low, level.high), name
    side = GRAMMAR_MAX_SIDE
    for field in ("width", "height"):
        assert (spec["resize"]["properties"][field]["minimum"], spec["resize"]["properties"][field]["maximum"]) == \
            (1, side)
    assert spec["crop"]["properties"]["x"]["maximum"] == side
    assert spec["resize"]["properties"]["mode"]["enum"] == sorted(m.value for m in CropMode if m is not CropMode.CROP)
    assert spec["resize"]["properties"]["gravity"]["enum"] == [g.value for g in Gravity]
    assert set(spec["format"]["enum"]) == {"auto", *(f.value for f in OutputFormat), *FORMAT_ALIASES}
    assert (spec["quality"]["minimum"], spec["quality"]["maximum"]) == (QUALITY_RANGE.low, QUALITY_RANGE.high)
    mark = spec["watermark"]["properties"]
    assert mark["blend"]["enum"] == ["normal", *BLEND_MODES]
    assert (mark["opacity"]["minimum"], mark["opacity"]["maximum"]) == (OPACITY_RANGE.low, OPACITY_RANGE.high)
    assert OPACITY_RANGE is p.OPACITY.range
    assert (mark["size"]["maximum"], mark["x"]["minimum"], mark["x"]["maximum"]) == (MAX_FONT_SIZE, -side, side)


def filters_table() -> str:
    rows = ["| filter | URL | value |", "|---|---|---|"]
    for name, effect in FILTERS.items():
        level = EFFECTS[effect].level
        if name == "colorize":
            assert level is not None
            value = f'a colour, or `{{"color": ..., "level": {level.low}-{level.high}}}`'
        elif level is None:
            value = "`true`"
        else:
            value = f"`true` (default {level.default}) or {level.low} to {level.high}"
        rows.append(f"| `{name}` | `e_{effect}` | {value} |")
    side = GRAMMAR_MAX_SIDE
    rows += ["", f"`format` is what `f_` accepts: {', '.join(FORMAT_NAMES)}. Sizes are 1 to",
             f"{side} pixels, `quality` {QUALITY_RANGE.low} to {QUALITY_RANGE.high}, `rotate` "
             f"{DEGREES.low} to {DEGREES.high} degrees."]
    return "\n".join(rows)


def test_docs_list_each_filter_with_its_declared_range() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    table = filters_table()
    assert table in page, f"docs/api.md's filter table is out of date; it should read:\n\n{table}\n"
