"""Property-based tests of everything that parses untrusted text: the URL grammar, the delivery path
and the JSON transform body. Any input is a result or a 400-class error, never another exception."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from imgorigin.api.transform_body import to_transformation
from imgorigin.delivery.url import DeliveryPath, split
from imgorigin.errors import BadRequest, ImgOriginError, InvalidTransformation, NotFound
from imgorigin.transform.plan import parse
from imgorigin.transform.transformation import Transformation
from tests.security.strategies import TEMPLATES, VALID_TOKENS, grammar_text, parses, valid_text

BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_text = st.one_of(st.text(max_size=80), grammar_text,
                     st.text(alphabet=string.ascii_letters + string.digits + "_,:/.-!%$@", max_size=80))


@BOUNDED
@given(any_text)
@example("w_1e309")
@example("e_blur:99999999999999999999")
@example("w_0.0000001,h_0.0000001")
@example("l_text:arial_40:" + "%" * 3)
def test_parse_returns_a_plan_or_invalid_transformation(text: str) -> None:
    try:
        plan = parse(text)
    except InvalidTransformation as exc:
        assert exc.status == 400
        assert exc.message
        return
    assert isinstance(plan, Transformation)


def test_the_generator_knows_many_valid_tokens() -> None:
    assert len(VALID_TOKENS) > 80
    assert all(parses(template) for template in TEMPLATES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(valid_text)
def test_canonical_form_parses_back_to_the_same_plan(text: str) -> None:
    try:
        plan = parse(text)
    except InvalidTransformation:
        assume(False)
        return
    canonical = plan.canonical()
    assert parse(canonical) == plan
    assert parse(canonical).canonical() == canonical


segment = st.one_of(
    st.sampled_from(["s--abcdefgh--", "s--" + "A" * 32 + "--", "v123", "v", "c_fill,w_10", "", "..", "%2F",
                     "abc.jpg", "abc", ".jpg", "a.b.c", "x" * 70 + ".png"]),
    st.text(max_size=20),
)


@BOUNDED
@given(st.one_of(st.lists(segment, max_size=6).map("/".join), st.text(max_size=200)))
@example("x" * 5000)
def test_delivery_path_splits_or_refuses(raw: str) -> None:
    try:
        url = split(raw)
    except (BadRequest, NotFound) as exc:
        assert exc.status in (400, 404)
        return
    assert isinstance(url, DeliveryPath)
    assert url.image_id and url.extension
    rebuilt = "/".join(part for part in (url.signature, url.transformation, url.version,
                                         f"{url.image_id}.{url.extension}") if part)
    assert rebuilt == raw


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = ["resize", "crop", "rotate", "flip", "mirror", "filters", "format", "quality", "compress"]
SUBFIELDS = ["width", "height", "mode", "gravity", "x", "y", "grayscale", "sepia"]
plausible_body = st.fixed_dictionaries({"transformations": st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(json_values, st.dictionaries(st.sampled_from(SUBFIELDS), json_values, max_size=4)),
    max_size=5,
)})


@BOUNDED
@given(st.one_of(st.dictionaries(st.text(max_size=15), json_values, max_size=3), plausible_body))
@example({"transformations": {"resize": {"width": 10, "mode": []}}})
@example({"transformations": {"resize": {"width": 10, "gravity": {}}}})
@example({"transformations": {"format": ["jpg"], "quality": 1e308}})
def test_transform_body_is_a_string_or_bad_request(body: dict[str, Any]) -> None:
    try:
        text = to_transformation(body)
    except BadRequest as exc:
        assert exc.status == 400 and exc.message
        return
    assert isinstance(text, str)
    json.dumps(body)  # the body was JSON-shaped
    try:
        parse(text)  # whatever the body makes, the URL parser answers for it: a plan or a 400
    except ImgOriginError as exc:
        assert exc.status == 400
