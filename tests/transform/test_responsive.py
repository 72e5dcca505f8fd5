"""w_auto and dpr_auto: their grammar, and what client hints resolve them to (no libvips here)."""

from __future__ import annotations

import pytest

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.autosize import resolve, uses_hints
from imgorigin.transform.expreval import evaluate
from imgorigin.transform.exprplan import Program, parse_any
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.responsive import AutoDpr, AutoWidth, Hints
from imgorigin.transform.source import Header
from tests.transform.parsing import assert_canonical, assert_refused

WIDE = 4000  # the original's width in most cases below: no cap from it


def resolved(text: str, hints: Hints, original: int = WIDE, limits: Limits | None = None) -> str:
    limits = limits or Limits()
    plan = resolve(parse(text, limits), hints, original, limits)
    assert parse(plan.canonical(), limits) == plan  # a resolved plan is an ordinary one
    return plan.canonical()


@pytest.mark.parametrize(("text", "value"), [
    ("w_auto", AutoWidth(100, None)),
    ("w_auto:50", AutoWidth(50, None)),
    ("w_auto:100:400", AutoWidth(100, 400)),
    ("w_auto:1:8192", AutoWidth(1, 8192)),
])
def test_w_auto_parses_to_its_step_and_fallback(text: str, value: AutoWidth) -> None:
    assert parse(text).components[0].get(p.WIDTH) == value


def test_dpr_auto_parses() -> None:
    assert parse("w_300,dpr_auto").components[0].get(p.DPR) == AutoDpr()


@pytest.mark.parametrize(("text", "canonical"), [
    ("w_auto", "w_auto:100"),  # the default step, written out: one spelling, one cache entry
    ("w_auto:100", "w_auto:100"),
    ("c_limit,w_auto:100:400", "c_limit,w_auto:100:400"),
    ("dpr_auto,w_300", "dpr_auto,w_300"),
    ("w_auto:50:300,dpr_auto,c_fill,h_200", "c_fill,dpr_auto,h_200,w_auto:50:300"),
])
def test_canonical_form(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)


AUTO_EXPECTED = "auto, auto:<step> or auto:<step>:<fallback>, with a step and a fallback between 1 and 16383 pixels"


@pytest.mark.parametrize(("text", "message"), [
    ("w_auto:0", f"Invalid w_auto:0: expected {AUTO_EXPECTED} for width"),
    ("w_auto:abc", f"Invalid w_auto:abc: expected {AUTO_EXPECTED} for width"),
    ("w_auto:100:0", f"Invalid w_auto:100:0: expected {AUTO_EXPECTED} for width"),
    ("w_auto:-100", f"Invalid w_auto:-100: expected {AUTO_EXPECTED} for width"),
    ("w_auto:100:400:5", f"Invalid w_auto:100:400:5: expected {AUTO_EXPECTED} for width"),
    ("w_auto:", f"Invalid w_auto:: expected {AUTO_EXPECTED} for width"),
    ("w_auto:16384", f"Invalid w_auto:16384: expected {AUTO_EXPECTED} for width"),
    ("w_auto:1.5", f"Invalid w_auto:1.5: expected {AUTO_EXPECTED} for width"),
    ("w_auto:٣", f"Invalid w_auto:٣: expected {AUTO_EXPECTED} for width"),  # a non-ASCII digit
    ("w_autox", f"Invalid w_autox: expected {AUTO_EXPECTED} for width"),
    ("w_auto:100:9000", "Invalid w_auto:100:9000: the largest width is 8192 pixels"),
    ("dpr_auto:2", "Invalid dpr_auto:2: expected auto alone (the ratio comes from the browser's DPR hint) "
                   "for device pixel ratio"),
    ("dpr_auto", "dpr_ needs w_ or h_ in the same component (dpr_auto)"),
    ("h_auto", "Invalid h_auto: expected an integer between 1 and 16383 (pixels) or a decimal such as 0.5 "
               "(a fraction) for height"),
    ("l_logo,w_auto", "w_auto sizes the delivered image; it cannot stand inside an overlay (l_logo,w_auto)"),
    ("l_logo/w_auto/fl_layer_apply", "w_auto sizes the delivered image; it cannot stand inside an overlay (w_auto)"),
    ("l_logo/h_10,dpr_auto/fl_layer_apply",
     "dpr_auto sizes the delivered image; it cannot stand inside an overlay (h_10,dpr_auto)"),
    ("e_blur_region,x_0,y_0,w_auto,h_10",
     "w_auto cannot be the width of an effect's region (e_blur_region,x_0,y_0,w_auto,h_10)"),
])
def test_refused_with_exact_messages(text: str, message: str) -> None:
    assert_refused(text, message)


def test_uses_hints_names_what_the_plan_depends_on() -> None:
    assert uses_hints(parse("w_300")) == (False, False)
    assert uses_hints(parse("e_grayscale/c_limit,w_auto")) == (True, False)
    assert uses_hints(parse("w_300,dpr_auto")) == (False, True)
    assert uses_hints(parse("w_auto,dpr_auto")) == (True, True)


@pytest.mark.parametrize(("hint", "width"), [(401, 500), (499, 500), (500, 500), (501, 600), (1, 100)])
def test_width_hint_rounds_up_to_the_step(hint: int, width: int) -> None:
    assert resolved("c_limit,w_auto:100:400", Hints(width=hint)) == f"c_limit,w_{width}"


def test_default_step_is_100_and_another_step_is_honoured() -> None:
    assert resolved("w_auto", Hints(width=333)) == "w_400"
    assert resolved("w_auto:64", Hints(width=333)) == "w_384"
    assert resolved("w_auto:1", Hints(width=333)) == "w_333"


def test_viewport_width_counts_css_pixels_times_the_dpr_hint() -> None:
    assert resolved("w_auto:100", Hints(viewport_width=375)) == "w_400"
    assert resolved("w_auto:100", Hints(viewport_width=375, dpr=2.0)) == "w_800"
    # The width the image occupies wins over the viewport's.
    assert resolved("w_auto:100", Hints(width=250, viewport_width=1200, dpr=2.0)) == "w_300"


def test_without_hints_the_fallback_else_the_original_width() -> None:
    assert resolved("w_auto:100:400", Hints()) == "w_400"
    assert resolved("w_auto:100:450", Hints()) == "w_450"  # the URL chose it: not rounded
    assert resolved("w_auto:100", Hints(), original=1234) == "w_1234"
    assert resolved("w_auto:100", Hints(dpr=2.0), original=1234) == "w_1234"  # a DPR alone gives no width


def test_width_is_capped_at_the_original_and_the_largest_side() -> None:
    assert resolved("w_auto:100", Hints(width=1150), original=1100) == "w_1100"
    assert resolved("w_auto:100:3000", Hints(), original=1100) == "w_1100"
    assert resolved("w_auto:100", Hints(width=9000), original=20000) == "w_8192"
    small = Limits(max_output_side=1000)
    assert resolved("w_auto:300", Hints(width=950), original=5000, limits=small) == "w_1000"


def test_dpr_auto_rounds_the_hint_up_and_is_capped() -> None:
    assert resolved("w_300,dpr_auto", Hints()) == "dpr_1.0,w_300"
    assert resolved("w_300,dpr_auto", Hints(dpr=1.0)) == "dpr_1.0,w_300"
    assert resolved("w_300,dpr_auto", Hints(dpr=1.5)) == "dpr_2.0,w_300"
    assert resolved("w_300,dpr_auto", Hints(dpr=2.625)) == "dpr_3.0,w_300"
    assert resolved("w_300,dpr_auto", Hints(dpr=0.5)) == "dpr_1.0,w_300"
    assert resolved("w_300,dpr_auto", Hints(dpr=16.0)) == "dpr_4.0,w_300"
    # A fixed width is not pushed past the largest side: 3000 x 3 would be 9000.
    assert resolved("w_3000,dpr_auto", Hints(dpr=3.0)) == "dpr_2.73,w_3000"


def test_w_auto_with_dpr_auto_counts_device_pixels_once() -> None:
    # Sec-CH-Width is in device pixels already: the ratio is not applied twice.
    assert resolved("w_auto:100:400,dpr_auto", Hints(width=750, dpr=2.5)) == "dpr_1.0,w_800"
    # Without a width hint, the fallback is a layout width and the ratio scales it.
    assert resolved("w_auto:100:400,dpr_auto", Hints(dpr=2.0)) == "dpr_2.0,w_400"
    # ... within the largest side.
    assert resolved("w_auto:100:6000,dpr_auto", Hints(dpr=2.0), original=9000) == "dpr_2.0,w_4096"


def test_a_fixed_dpr_keeps_an_auto_width_within_the_largest_side() -> None:
    assert resolved("w_auto:100,dpr_2.0", Hints(width=6000), original=9000) == "dpr_2.0,w_4096"


def test_every_component_resolves_and_others_stay() -> None:
    text = "c_fill,w_auto:50,h_200/e_grayscale/c_limit,w_auto:100:400"
    assert resolved(text, Hints(width=620)) == "c_fill,h_200,w_650/e_grayscale/c_limit,w_700"


def test_plans_without_auto_values_are_returned_as_they_are() -> None:
    plan = parse("c_fill,w_300,h_200")
    assert resolve(plan, Hints(width=999), WIDE, Limits()) is plan


def test_a_flood_of_widths_makes_at_most_max_over_step_variants() -> None:
    limits = Limits()
    plan = parse("c_limit,w_auto:100", limits)
    variants = {resolve(plan, Hints(width=w), 20000, limits).canonical() for w in range(1, 20001)}
    assert len(variants) == -(-limits.max_output_side // 100)  # 82 for 8192 and 100


def test_uses_hints_reads_every_branch_of_a_program() -> None:
    program = parse_any("if_iw_gt_1000/c_limit,w_auto:100/if_else/w_300,dpr_auto/if_end")
    assert isinstance(program, Program)
    assert uses_hints(program) == (True, True)
    assert uses_hints(parse_any("if_iw_gt_1000/w_iw_div_2/if_end")) == (False, False)


HEADER = Header("jpeg", 1000, 500, 1, False, 1)


@pytest.mark.parametrize(("text", "hints", "canonical"), [
    ("if_iw_gt_500/c_limit,w_auto:100:300/if_end", Hints(width=420), "c_limit,w_500"),
    ("if_iw_gt_500/c_limit,w_auto:100:300/if_end", Hints(), "c_limit,w_300"),
    ("if_iw_gt_5000/c_limit,w_auto:100:300/if_else/w_200/if_end", Hints(width=420), "w_200"),
    # w after w_auto is the width it chose; iw is still the original's.
    ("c_scale,w_auto:100/c_pad,w_w,h_w,b_black", Hints(width=250), "c_scale,w_300/b_rgb:000000,c_pad,h_300,w_300"),
    ("$f_600/c_limit,w_auto:100:$f", Hints(), None),
])
def test_w_auto_in_a_program_resolves_where_it_stands(text: str, hints: Hints, canonical: str | None) -> None:
    if canonical is None:
        with pytest.raises(InvalidTransformation) as raised:
            parse_any(text)
        assert str(raised.value) == "w_auto takes whole numbers, not variables or arithmetic (w_auto:100:$f)"
        return
    program = parse_any(text)
    assert isinstance(program, Program)
    assert evaluate(program, HEADER, Limits(), hints).canonical() == canonical


def test_w_auto_in_a_program_keeps_the_rules() -> None:
    for text, message in [
        ("if_iw_gt_5/e_blur_region,x_0,y_0,w_auto,h_10",
         "w_auto cannot be the width of an effect's region (e_blur_region,x_0,y_0,w_auto,h_10)"),
        ("if_iw_gt_5/l_logo,w_auto/fl_layer_apply",
         "w_auto sizes the delivered image; it cannot stand inside an overlay (l_logo,w_auto)"),
    ]:
        program = parse_any(text)
        assert isinstance(program, Program)
        with pytest.raises(InvalidTransformation) as raised:
            evaluate(program, HEADER, Limits(), Hints(width=300))
        assert str(raised.value) == message
