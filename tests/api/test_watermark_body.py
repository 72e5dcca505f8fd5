"""The JSON watermark: any body gives a transformation the parser accepts, or a 400; never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from imgorigin.api.watermark import watermark
from imgorigin.errors import BadRequest
from imgorigin.transform.plan import parse

FIELDS = ["image", "text", "font", "size", "bold", "italic", "color", "gravity", "x", "y", "opacity", "width",
          "tiled", "blend", "other"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-20_000, 20_000), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from(["abc123", "arial", "white", "south_east", "auto", "multiply", "0.2"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
def test_any_watermark_body_parses_or_is_a_400(body: dict[str, object]) -> None:
    try:
        text = watermark(body)
    except BadRequest as exc:
        assert exc.message.startswith("transformations.watermark")
        return
    parse(text)


def test_a_full_text_watermark() -> None:
    text = watermark({"text": "50% off, today", "font": "Times New Roman", "size": 40, "italic": True,
                      "color": "rgb:ffcc00", "gravity": "north", "y": 20, "opacity": 80, "width": 0.5,
                      "tiled": True, "blend": "screen"})
    assert text == ("l_text:timesnewroman_40_italic:50%2525%20off%2C%20today,co_rgb:ffcc00,w_0.5,fl_relative"
                    "/fl_layer_apply.tiled,g_north,y_20,o_80,e_screen")
    overlay = parse(text).components[0].overlay
    assert overlay is not None and getattr(overlay.source, "text", None) == "50% off, today"
