"""Property: whatever parses, its canonical form parses back to the same plan (overlays included)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.effects import EFFECTS
from imgorigin.transform.layers import TextLayer, escape_text
from imgorigin.transform.plan import parse

# Valid tokens for every registered parameter: its declared example, plus a few spellings that
# exercise canonicalisation (order, decimals, aliases).
TOKENS = sorted({
    *(param.example.split("/")[0].split(",")[0] for param in p.PARAMS.values() if param.key != "l"),
    *(unit.example.split("/")[0].split(",")[0] for unit in EFFECTS.values()),
    "w_0.50", "h_120", "c_fit", "c_pad", "g_south_east", "a_hflip.90", "b_rgb:FF000080", "q_auto:eco",
    "x_-0.25", "y_10", "o_0", "co_blue", "fl_relative", "r_10:20", "ar_4:3", "dpr_1.5",
})
PLACEMENT = ["g_north_west", "g_south", "x_10", "y_-5", "x_0.1", "o_40"]
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)


@st.composite
def components(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4))
    by_key = {token.partition("_")[0]: token for token in tokens}
    return ",".join(draw(st.permutations(list(by_key.values()))))


@st.composite
def overlays(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        source = "l_logo123"
    else:
        style = draw(st.sampled_from(["", "_bold", "_italic", "_bold_italic", "_center_line_spacing_-3",
                                      "_letter_spacing_2_right", "_normal"]))
        source = f"l_text:{draw(st.sampled_from(['arial', 'Times%20New%20Roman', 'dejavusans']))}_24{style}:" \
                 f"{escape_text(draw(texts))}"
    inner = draw(st.lists(components(), max_size=2))
    place = sorted(set(draw(st.lists(st.sampled_from(PLACEMENT), max_size=3))), key=lambda t: t[0])
    by_key = {token.partition("_")[0]: token for token in place}
    return "/".join([source, *inner, ",".join(["fl_layer_apply", *by_key.values()])])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(components(), overlays()), min_size=1, max_size=5))
def test_canonical_round_trip(parts: list[str]) -> None:
    text = "/".join(parts)
    try:
        plan = parse(text)
    except InvalidTransformation:
        return  # refusing is fine (a c_ without w_, say); what parses must round-trip
    canonical = plan.canonical()
    again = parse(canonical)
    assert again == plan
    assert again.canonical() == canonical


@settings(max_examples=300, deadline=None)
@given(texts)
def test_text_survives_escaping_and_double_decoding(text: str) -> None:
    component = parse(f"l_text:arial_20:{escape_text(text)}").components[0]
    assert component.overlay is not None
    source = component.overlay.source
    assert isinstance(source, TextLayer)
    assert source.text == text
