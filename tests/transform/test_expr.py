"""Variables, arithmetic and conditions: parsed strictly at the URL, evaluated on a known header (no pixels)."""

from __future__ import annotations

import time

import pytest

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.expreval import evaluate
from imgorigin.transform.exprplan import Program, parse_any
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.source import Header
from imgorigin.transform.transformation import Transformation

LANDSCAPE = Header("jpeg", 1000, 500, 1, False, 1)
PORTRAIT = Header("jpeg", 300, 600, 1, False, 1)
ANIMATION = Header("gif", 200, 150, 3, False, 1)


def run(text: str, header: Header = LANDSCAPE) -> str:
    program = parse_any(text)
    assert isinstance(program, Program), text
    return evaluate(program, header, Limits()).canonical()


def refused(text: str, header: Header = LANDSCAPE) -> str:
    with pytest.raises(InvalidTransformation) as caught:
        run(text, header)
    assert caught.value.status == 400
    return caught.value.message


def test_plain_urls_stay_plain_transformations() -> None:
    assert isinstance(parse_any("c_fill,w_300,h_200/e_grayscale"), Transformation)
    assert isinstance(parse_any("a_hflip/q_auto:eco/ar_16:9,c_fill,w_100"), Transformation)


@pytest.mark.parametrize(("text", "canonical"), [
    ("w_iw_div_2", "w_500"),
    ("h_ih_mul_0.5", "h_250"),
    ("w_iw_mul_2_add_ih_mul_2", "w_3000"),  # Cloudinary's perimeter example: products first
    ("w_2_add_3_mul_4", "w_14"),
    ("w_20_sub_6_div_3", "w_18"),
    ("w_2_pow_3_pow_2", "w_512"),  # pow from the right: 2^(3^2)
    ("w_2_mul_3_pow_2", "w_18"),
    ("w_iw_mod_300", "w_100"),
    ("w_iw_div_3", "w_333"),  # computed pixels round to whole pixels
    ("w_iw_div_1.6", "w_625"),
    ("$size_300/c_fill,w_$size,h_$size_div_2", "c_fill,h_150,w_300"),
    ("$size_300,$small_$size_div_2/w_$small", "w_150"),
    ("$size_300/$size_$size_mul_2/w_$size", "w_600"),  # reassigned from its own value, in order
    ("$f_0.5/w_$f", "w_0.5"),  # a decimal as written stays a fraction, as if written in place
    ("c_scale,w_400/w_w_div_2", "c_scale,w_400/w_200"),  # w is the width at that point of the chain
    ("c_fill,w_400,h_100/w_ar_mul_100", "c_fill,h_100,w_400/w_400"),
    ("w_0.5/h_h_sub_50", "w_0.5/h_200"),
    ("ar_iar,c_fill,w_200", "ar_2,c_fill,w_200"),
    ("c_crop,w_100,h_100,x_iw_div_4,y_ih_div_-5", "c_crop,h_100,w_100,x_250,y_-100"),
    ("a_pages_mul_45", "a_45"),
    ("$q_80/q_$q", "q_80"),
    ("o_50_add_pc_mul_10", "o_60"),
    ("e_blur:iw_div_10", "e_blur:100"),
    ("r_ih_div_10", "r_50"),
    ("dpr_iar,w_100", "dpr_2.0,w_100"),
    ("$text_!Hi_there!/l_text:arial_40:$(text),g_south", "l_text:arial_40:Hi_there/fl_layer_apply,g_south"),
    ("$size_iw/l_logo,w_$size_div_4,g_south_east", "l_logo/w_250/fl_layer_apply,g_south_east"),
])
def test_arithmetic_and_variables_on_a_1000x500_image(text: str, canonical: str) -> None:
    assert run(text) == canonical


@pytest.mark.parametrize(("text", "landscape", "portrait"), [
    ("if_w_gt_800/w_iw_div_2/if_end", "w_500", ""),
    ("if_ar_lt_1.0/c_pad,w_500,h_300/if_end", "", "c_pad,h_300,w_500"),
    ("if_ar_gt_3:4_and_w_gt_300,c_crop,w_300,h_200", "c_crop,h_200,w_300", ""),
    ("if_iw_lte_400/c_fill,h_120,w_240/if_else/c_fill,h_240,w_400/if_end",
     "c_fill,h_240,w_400", "c_fill,h_120,w_240"),
    ("if_iw_lte_400/w_10/if_else/w_20", "w_20", "w_10"),  # an open if_ runs to the end of the chain
    ("if_w_gt_5000_or_h_gt_550_and_w_lt_400/e_grayscale/if_end/w_50", "w_50", "e_grayscale/w_50"),
    ("if_w_lt_5000_or_h_gt_550_and_w_gt_400/e_grayscale/if_end", "e_grayscale", "e_grayscale"),
    ("if_w_ne_h,e_sepia", "e_sepia:80", "e_sepia:80"),
    ("if_w_eq_iw_and_h_eq_ih,w_10", "w_10", "w_10"),
    ("w_250/if_w_eq_250/w_20/if_end", "w_250/w_20", "w_250/w_20"),
    ("if_w_gt_500/if_h_gt_400/w_1/if_else/w_2/if_end/if_else/w_3/if_end/e_negate",
     "w_1/e_negate", "w_3/e_negate"),
    ("if_w_gt_500/if_h_gt_500/w_1/if_else/w_2/if_end/if_end", "w_2", ""),
    ("$kind_!wide!/if_ar_lt_1,$kind_!tall!/if_$kind_eq_!tall!,e_grayscale", "", "e_grayscale"),
])
def test_conditions_select_components(text: str, landscape: str, portrait: str) -> None:
    assert run(text, LANDSCAPE) == landscape
    assert run(text, PORTRAIT) == portrait


def test_an_animation_is_seen_through_its_page_count() -> None:
    assert run("if_pc_gt_1/w_100/if_else/w_50/if_end", ANIMATION) == "w_100"
    assert run("if_pages_gt_1/w_100/if_else/w_50/if_end", LANDSCAPE) == "w_50"


def test_the_evaluated_plan_is_the_cache_key() -> None:
    assert run("w_iw_div_2") == parse("w_500").canonical()
    assert run("$w_500/w_$w") == run("if_w_gt_10/w_500/if_end") == "w_500"
    assert parse(run("c_fill,w_$s,h_$s,$s_iw_div_4")).canonical() == run("c_fill,w_$s,h_$s,$s_iw_div_4")


@pytest.mark.parametrize(("text", "message"), [
    ("w_iw_div_", "Invalid w_iw_div_: an empty term ('_' at an end or two in a row)"),
    ("w_iw__div_2", "Invalid w_iw__div_2: an empty term ('_' at an end or two in a row)"),
    ("w_iw_div", "Invalid w_iw_div: the operator 'div' needs a value after it"),
    ("w_div_2", "Invalid w_div_2: expected a value where the operator 'div' stands"),
    ("w_iw_foo_2", "Invalid w_iw_foo_2: expected an operator (add, sub, mul, div, mod, pow) after 'iw', not 'foo'"),
    ("w_iw_2", "Invalid w_iw_2: expected an operator (add, sub, mul, div, mod, pow) after 'iw', not '2'"),
    ("w_width_div_2", "Invalid w_width_div_2: unknown term 'width': expected a number, a $variable or one of "
                      "iw, ih, w, h, ar, iar, pc, pages"),
    ("w_iw_div_1e3", "Invalid w_iw_div_1e3: unknown term '1e3': expected a number, a $variable or one of "
                     "iw, ih, w, h, ar, iar, pc, pages"),
    ("w_fc_mul_100", "Invalid w_fc_mul_100: 'fc' is a Cloudinary condition this server does not support"),
    ("w_$1a", "Invalid w_$1a: unknown term '$1a': expected a number, a $variable or one of "
              "iw, ih, w, h, ar, iar, pc, pages"),
    ("$1a_3", "Invalid variable name $1a: a $ then a letter, then letters and digits (at most 32), as in $size"),
    ("$a_", "Variable $a needs a value, e.g. $a_300"),
    ("$a_!unclosed", "Invalid $a_!unclosed: a string is written !text! (at most 100 characters, no '!', ',' or '/')"),
    ("if_w_gt", "Invalid if_w_gt: a value is missing"),
    ("if_w_1000", "Invalid if_w_1000: 'w_1000' must compare two values with one of eq, ne, lt, gt, lte, gte"),
    ("if_w_gt_1_lt_2", "Invalid if_w_gt_1_lt_2: 'w_gt_1_lt_2' must compare two values with one of eq, ne, lt, "
                       "gt, lte, gte"),
    ("if_w_gt_1_and", "Invalid if_w_gt_1_and: 'and' needs a comparison on each side"),
    ("if_tags_in_!a!", "Invalid if_tags_in_!a!: 'tags' is a Cloudinary condition this server does not support"),
    ("if_end", "if_end without an if_ before it"),
    ("if_else/w_1", "if_else without an if_ before it"),
    ("if_w_gt_1/if_else/if_else", "if_else appears twice for one if_w_gt_1"),
    ("if_w_gt_1/if_end,w_100", "if_end stands alone in its component (if_end,w_100)"),
    ("w_100,if_w_gt_1", "if_ comes first in its component (w_100,if_w_gt_1)"),
    ("w_$a,w_300", "Parameter w_ appears twice in the component 'w_$a,w_300'"),
    ("$a_1,w_$a,g_nowhere", "Invalid g_nowhere: expected a gravity: one of north_west, north, north_east, west, "
                            "center, east, south_west, south, south_east, auto, face, faces, auto:faces for gravity"),
    ("$a_1/zz_3", "Unknown parameter zz_ in 'zz_3'"),
    ("$a_1//w_2", "Empty transformation component"),
    ("l_logo,w_w_div_4,g_south_east", "Invalid w_w_div_4: w (the current width) cannot be used inside an overlay; "
                                      "use iw, ih, iar or fl_relative"),
    ("l_text:arial_20:$(1x)", "Invalid l_ text: $(1x) does not name a variable"),
])
def test_malformed_expressions_are_refused_at_parse_time(text: str, message: str) -> None:
    with pytest.raises(InvalidTransformation) as caught:
        parse_any(text)
    assert caught.value.message == message


@pytest.mark.parametrize(("text", "message"), [
    ("w_iw_div_0", "Invalid w_iw_div_0: division by zero (div by 0)"),
    ("w_iw_mod_0", "Invalid w_iw_mod_0: division by zero (mod by 0)"),
    ("$d_w_sub_iw/w_iw_div_$d", "Invalid w_iw_div_$d: division by zero (div by 0)"),
    ("$a_$a", "Invalid $a_$a: $a is not defined before it is used (assign it first: $a_<value>)"),
    ("w_$size/$size_100", "Invalid w_$size: $size is not defined before it is used (assign it first: $size_<value>)"),
    ("w_iw_mul_100", "Invalid w_iw_mul_100 (w_100000 for this image): expected an integer between 1 and 16383 "
                     "(pixels) or a decimal such as 0.5 (a fraction) for width"),
    ("w_iw_sub_iw", "Invalid w_iw_sub_iw (w_0 for this image): expected an integer between 1 and 16383 "
                    "(pixels) or a decimal such as 0.5 (a fraction) for width"),
    ("q_iw", "Invalid q_iw (q_1000 for this image): expected an integer between 1 and 100, or "
             "auto[:best|good|eco|low] for quality"),
    ("w_iw_pow_999999", "Invalid w_iw_pow_999999: pow has no finite real result"),
    ("$n_0_sub_iw/w_$n_pow_0.5", "Invalid w_$n_pow_0.5: pow has no finite real result"),
    ("w_999999999_mul_999999999_mul_999999999", "Invalid w_999999999_mul_999999999_mul_999999999: "
                                                "mul has no finite result within range"),
    ("$s_!big!/w_$s", "Invalid w_$s: w_ needs a number, not the string !big!"),
    ("w_!big!_add_1", "Invalid w_!big!_add_1: add needs numbers, not a string"),
    ("if_w_gt_!big!,w_10", "Invalid if_w_gt_!big!: a string can only be compared with a string"),
    ("if_!a!_lt_!b!,w_10", "Invalid if_!a!_lt_!b!: strings compare with eq or ne, not lt"),
    ("w_300,e_trim/w_w", "Invalid w_w: w (the current width) is not known after e_trim, whose result depends "
                         "on the pixels; use iw, ih or iar"),
    ("l_text:arial_20:$(name),g_north", "Invalid l_ text: $name is not defined before it is used"),
])
def test_evaluation_failures_are_400s_before_any_pixel(text: str, message: str) -> None:
    assert refused(text) == message


def test_hostile_input_fails_fast() -> None:
    started = time.perf_counter()
    long = "w_" + "_add_".join(["1"] * 3000)
    assert refused(long) == ("Invalid w_1_add_1_add_1_add_1_add_1_add_1_add_1_...: an expression may be 200 "
                             f"characters long, not {len(long) - 2}")
    many = "w_" + "_add_".join(["1"] * 18)
    assert refused(many) == f"Invalid {many}: an expression may hold 16 operators, not 17"
    deep = "/".join(["if_w_gt_1"] * 5) + "/w_1"
    assert refused(deep) == "Conditions nest 4 deep at most (if_w_gt_1)"
    wide = "/".join(f"$v{n}_1" for n in range(17))
    assert refused(wide) == "Too many variables: 17 (the limit is 16)"
    assert refused("/".join(["$a_1"] * 37)) == "Too many components: 37 (the limit is 36 with variables and conditions)"
    # Doubling through every allowed component stays finite, and the parameter's range refuses it.
    doubling = "$a_iw/" + "/".join(["$a_$a_mul_$a_mul_$a_mul_$a"] * 30) + "/w_$a"
    assert "has no finite result within range" in refused(doubling)
    assert refused("w_1e308") == ("Invalid w_1e308: expected an integer between 1 and 16383 (pixels) or a decimal "
                                  "such as 0.5 (a fraction) for width")
    assert time.perf_counter() - started < 1.0


def test_evaluated_plans_keep_the_components_limit() -> None:
    text = "$a_1/" + "/".join(["w_$a"] * 13)
    assert refused(text) == "Too many components: 13 (the limit is 12)"
