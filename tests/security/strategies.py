"""Hypothesis strategies for transformation strings, shared by the property and fuzz tests."""

from __future__ import annotations

from hypothesis import strategies as st

from imgorigin.errors import InvalidTransformation
from imgorigin.transform import params as p
from imgorigin.transform.plan import parse

# Values that mean something to some parameter, plus edge cases of every numeric parser.
VALUES = [
    "0", "1", "2", "7", "300", "1000", "16383", "16384", "99999999999999999999", "-1", "-300", "0.5", "1.0",
    "1.5", "2.0", "0.0001", "1e3", "1e309", "nan", "inf", "-inf", "00", "0x10", "", " ", "auto", "fill", "lfill",
    "fit", "limit", "mfit", "pad", "lpad", "scale", "crop", "thumb", "north", "north_east", "south_west",
    "center", "face", "faces", "auto:subject", "16:9", "4:3", "0:0", "1:0", "1.5:1", "grayscale", "sepia",
    "sepia:50", "sepia:500", "blur", "blur:300", "blur:2001", "blur:-1", "sharpen", "sharpen:100", "negate",
    "brightness:50", "contrast:-50", "saturation:200", "pixelate:20", "background_removal", "red", "blue",
    "white", "rgb:ff0000", "rgb:fff", "rgb:ff000080", "#ff0000", "transparent", "jpg", "png", "webp", "avif",
    "gif", "tiff", "auto:eco", "auto:best", "80", "100", "101", "layer_apply", "relative", "progressive",
    "attachment", "attachment:name", "keep_iptc", "hflip", "vflip", "ignore", "hflip.vflip", "90", "45",
    "-90", "360", "text:arial_40:Hello", "text:arial_40_bold:Hi%20there", "text:nofont_12:x", "max",
    "4px_solid_black", "4px_solid_rgb:ff0000", "20", "20:40", "50",
]
KEYS = [*sorted(p.PARAMS), "t", "zz", "W", "w "]

token = st.builds(lambda key, value: f"{key}_{value}", st.sampled_from(KEYS),
                  st.one_of(st.sampled_from(VALUES), st.text(max_size=8)))
component = st.lists(token, min_size=1, max_size=5).map(",".join)
grammar_text = st.lists(component, min_size=1, max_size=4).map("/".join)


def parses(text: str) -> bool:
    try:
        parse(text)
    except InvalidTransformation:
        return False
    return True


# Tokens valid on their own, and whole components whose parameters need each other.
VALID_TOKENS = sorted({f"{key}_{value}" for key in p.PARAMS for value in VALUES if parses(f"{key}_{value}")})
TEMPLATES = [
    "c_fill,g_auto,h_200,w_300", "c_crop,g_north_west,h_10,w_10,x_5,y_5", "c_pad,b_blue,h_100,w_100",
    "c_thumb,g_center,h_50,w_50", "c_limit,w_0.5", "c_scale,dpr_2.0,w_100", "ar_16:9,c_fill,w_400",
    "c_lfill,h_300", "c_fit,h_120,w_80",
]
valid_component = st.one_of(
    st.lists(st.sampled_from(VALID_TOKENS), min_size=1, max_size=4, unique_by=lambda t: t.split("_", 1)[0])
    .map(",".join),
    st.sampled_from(TEMPLATES),
)
valid_text = st.lists(valid_component, min_size=1, max_size=4).map("/".join)
