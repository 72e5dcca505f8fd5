"""A layer inside a layer (text on a logo, then the logo on the image) and %0A line breaks in text."""

from __future__ import annotations

import numpy as np
import pytest
from starlette.testclient import TestClient

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.layers import ImageLayer, TextLayer
from imgorigin.transform.plan import parse
from tests.helpers import Account, signed
from tests.transform.test_overlays import BLUE, RED, run, solid

NESTED = "l_red/l_text:arial_12_bold:Hi,co_white/fl_layer_apply,g_center/fl_layer_apply,g_south_east,x_10,y_10"


def test_a_layer_inside_a_layer_parses_into_nested_overlays() -> None:
    plan = parse(NESTED)
    assert len(plan.components) == 1
    outer = plan.components[0].overlay
    assert outer is not None and outer.source == ImageLayer("red")
    inner = outer.transformation.components[0].overlay
    assert inner is not None and isinstance(inner.source, TextLayer) and inner.source.text == "Hi"
    assert parse(plan.canonical()) == plan
    assert parse("l_a/l_b/fl_layer_apply/w_10/fl_layer_apply").layer_ids() == ("a", "b")


def test_text_on_a_logo_then_the_logo_on_the_image() -> None:
    library = {"base": solid(300, 200, BLUE), "red": solid(80, 40, RED)}
    out = run(library, NESTED)
    logo = out[150:190, 210:290]  # 80x40 at the south-east corner, 10 px in
    white = (logo == [255, 255, 255]).all(axis=2)
    red = (logo == RED).all(axis=2)
    assert white.sum() > 20 and red.sum() > 0.6 * red.size  # the text sits on the logo
    assert not (out[:150] == [255, 255, 255]).all(axis=2).any()  # and nowhere else
    assert (out[5, 5] == BLUE).all()


def test_layers_nest_two_deep_at_most() -> None:
    with pytest.raises(InvalidTransformation) as raised:
        parse("l_a/l_b/l_c/fl_layer_apply/fl_layer_apply/fl_layer_apply")
    assert str(raised.value) == "Overlays nest 2 deep at most: close one with fl_layer_apply first (l_c)"


def test_a_single_escaped_line_break_makes_two_lines() -> None:
    source = parse("l_text:arial_20:one%0Atwo").components[0].overlay.source  # type: ignore[union-attr]
    assert isinstance(source, TextLayer) and source.text == "one\ntwo"
    library = {"base": solid(300, 200, BLUE)}
    one = run(library, "l_text:arial_20:one%20two,co_white")
    two = run(library, "l_text:arial_20:one%0Atwo,co_white")

    def ink_rows(image: np.ndarray) -> int:
        return int((image == [255, 255, 255]).all(axis=2).any(axis=1).sum())

    assert ink_rows(two) > 1.6 * ink_rows(one)


def test_a_line_break_in_a_delivery_url_renders(client: TestClient, alice: Account) -> None:
    image_id = alice.upload("rocket.jpg")["id"]
    url = signed("l_text:arial_20:one%0Atwo,co_white", f"{image_id}.png")
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
