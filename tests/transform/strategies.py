"""Hypothesis strategies for transformation URLs that are valid by construction, and a small one for
refused input.

Valid text is assembled from the registries (``PARAMS``, ``EFFECTS``, ``FLAGS``, the crop and gravity
enums) following the parser's rules: a crop mode comes with w_, h_ or ar_; g_ only with a crop mode that
uses it; x_ and y_ only with c_crop; z_ only with a face gravity; dpr_ only with w_ or h_; output
parameters once, outside overlays. ``VALUES`` names the spellings of every parameter;
test_canonical_property checks that it covers every registered key, so a new parameter reaches the
property test as soon as it is declared.
"""

from __future__ import annotations

from hypothesis import strategies as st

from imgorigin.transform.effects.blend import BLEND_MODES
from imgorigin.transform.effects.registry import EFFECTS
from imgorigin.transform.flags import FLAGS, LAYER_APPLY, OUTPUT_FLAGS, RELATIVE, TILED
from imgorigin.transform.layers import escape_text
from imgorigin.transform.plan import PLACEMENT_KEYS
from imgorigin.transform.values import CropMode, Gravity

MAX_COMPONENTS = 12

# Spellings of each parameter's value: the declared example first, then ones that exercise the
# canonical form (decimals, aliases, defaults spelled out, case).
VALUES: dict[str, list[str]] = {
    "w": ["300", "0.50", "1", "1.0", "640"],
    "h": ["0.5", "120", "200", "0.25"],
    "ar": ["16:9", "4:3", "1.5", "1:1"],
    "dpr": ["2.0", "1.5", "1", "0.5"],
    "x": ["100", "-0.25", "0", "10"],
    "y": ["50", "-5", "0.1"],
    "z": ["0.75", "1.5", "2"],
    "a": ["90", "hflip.90", "vflip", "45", "-30", "ignore"],
    "b": ["blue", "rgb:FF000080", "white", "auto", "auto:predominant"],
    "o": ["50", "0", "100"],
    "co": ["white", "blue", "rgb:333333"],
    "r": ["20", "10:20", "20:40:60:80", "max"],
    "bo": ["4px_solid_black", "3px_solid_red"],
    "q": ["80", "auto", "auto:eco", "100"],
    "f": ["webp", "png", "auto", "jpg"],
    "pg": ["2", "2-5", "3-"],
}
# Keys whose values come from elsewhere: e_ (the effect registry), c_ and g_ (the enums), fl_ (the
# flag registry), and the overlay sources l_ and u_.
STRUCTURAL = frozenset({"e", "c", "g", "fl", "l", "u"})

GRAVITY_CROPS = [CropMode.FILL, CropMode.LFILL, CropMode.PAD, CropMode.LPAD, CropMode.CROP, CropMode.THUMB,
                 CropMode.AUTO]
FACE_CROPS = [CropMode.FILL, CropMode.LFILL, CropMode.CROP, CropMode.THUMB, CropMode.AUTO]
FACE_GRAVITIES = [Gravity.FACE, Gravity.FACES, Gravity.AUTO_FACES]
COMPASS = [g for g in Gravity if g not in (Gravity.AUTO, *FACE_GRAVITIES)]

# A blend mode or a multi-component example needs an overlay; those are built by overlays().
EFFECT_EXAMPLES = sorted(unit.example for name, unit in EFFECTS.items()
                         if name not in BLEND_MODES and "/" not in unit.example)
OUTPUT_FLAG_EXAMPLES = sorted(FLAGS[name].example.removeprefix("fl_") for name in OUTPUT_FLAGS
                              if FLAGS[name].example.startswith("fl_"))
FONTS = ["arial", "Times%20New%20Roman", "dejavusans"]
TEXT_STYLES = ["", "_bold", "_italic", "_bold_italic", "_center_line_spacing_-3", "_letter_spacing_2_right",
               "_normal"]

texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)


def value(key: str) -> st.SearchStrategy[str]:
    return st.sampled_from(VALUES[key]).map(lambda raw: f"{key}_{raw}")


@st.composite
def resize(draw: st.DrawFn) -> list[str]:
    """A crop mode with what it needs: w_/h_/ar_, and the g_, x_/y_, z_ and dpr_ it allows."""
    crop = draw(st.sampled_from(list(CropMode)))
    sizes = draw(st.lists(st.sampled_from(["w", "h", "ar"]), min_size=1, max_size=3, unique=True))
    tokens = [f"c_{crop.value}", *(draw(value(key)) for key in sizes)]
    gravities: list[Gravity] = []
    if crop in GRAVITY_CROPS:
        gravities = [*COMPASS, Gravity.AUTO, *(FACE_GRAVITIES if crop in FACE_CROPS else [])]
    elif crop is CropMode.FILL_PAD:
        gravities = [Gravity.AUTO]
    gravity = draw(st.sampled_from([None, *gravities])) if gravities else None
    if gravity is not None:
        tokens.append(f"g_{gravity.value}")
    if crop is CropMode.CROP:
        tokens += [draw(value(key)) for key in draw(st.lists(st.sampled_from(["x", "y"]), max_size=2, unique=True))]
    if crop in (CropMode.THUMB, CropMode.CROP) and gravity in FACE_GRAVITIES and draw(st.booleans()):
        tokens.append(draw(value("z")))
    if draw(st.booleans()) and {"w", "h"} & set(sizes):
        tokens.append(draw(value("dpr")))
    return tokens


@st.composite
def decoration(draw: st.DrawFn, *, in_layer: bool = False) -> list[str]:
    """Parameters that stand alone or together: angle, background, opacity, corners, border."""
    keys = draw(st.lists(st.sampled_from(["a", "b", "o", "r", "bo"]), min_size=1, max_size=3, unique=True))
    tokens = [draw(value(key)) for key in keys]
    if in_layer:  # b_auto measures the image itself: not inside an overlay
        tokens = [token if not token.startswith("b_auto") else "b_white" for token in tokens]
    return tokens


@st.composite
def component(draw: st.DrawFn, *, in_layer: bool = False) -> str:
    """One component that is not an overlay: a resize (maybe with decoration), decoration or an effect."""
    kind = draw(st.sampled_from(["resize", "decoration", "effect"]))
    if kind == "effect":
        return draw(st.sampled_from(EFFECT_EXAMPLES))
    tokens = draw(resize()) if kind == "resize" else []
    if kind == "decoration" or draw(st.booleans()):
        tokens += draw(decoration(in_layer=in_layer))
    return ",".join(draw(st.permutations(tokens)))


@st.composite
def overlay(draw: st.DrawFn, *, depth: int = 0) -> list[str]:
    """``l_``/``u_`` ... ``fl_layer_apply``: a source, its own components (perhaps an overlay of its own),
    and a placement with a compass gravity, offsets, opacity and for l_ a blend mode or fl_tiled."""
    under = draw(st.booleans()) and depth == 0
    key = "u" if under else "l"
    if draw(st.booleans()):
        source = f"{key}_logo123"
    else:
        style, font = draw(st.sampled_from(TEXT_STYLES)), draw(st.sampled_from(FONTS))
        source = f"{key}_text:{font}_24{style}:{escape_text(draw(texts))}"
    inner = draw(st.lists(component(in_layer=True), max_size=2))
    if depth == 0 and not under and draw(st.integers(0, 3)) == 0:
        inner += draw(overlay(depth=1))
    if draw(st.booleans()) and any(t.startswith(("w_0.", "h_0.")) for t in ",".join(inner).split(",")):
        inner[0] = f"{inner[0]},fl_{RELATIVE}"
    place_keys = draw(st.lists(st.sampled_from(sorted(PLACEMENT_KEYS - {"fl"})), max_size=3, unique=True))
    placement = [f"g_{draw(st.sampled_from(COMPASS)).value}" if k == "g" else draw(value(k)) for k in place_keys]
    flags = [LAYER_APPLY, *([TILED] if not under and draw(st.booleans()) else [])]
    placement.append("fl_" + ".".join(flags))
    if not under and draw(st.booleans()):
        placement.append(f"e_{draw(st.sampled_from(sorted(BLEND_MODES)))}")
    return [source, *inner, ",".join(draw(st.permutations(placement)))]


@st.composite
def output(draw: st.DrawFn) -> list[str]:
    """Output parameters (q_, f_, pg_, output flags): each at most once, outside overlays."""
    keys = draw(st.lists(st.sampled_from(["q", "f", "pg", "fl"]), max_size=4, unique=True))
    tokens = []
    for key in keys:
        if key == "fl":
            chosen = draw(st.lists(st.sampled_from(OUTPUT_FLAG_EXAMPLES), min_size=1, max_size=2,
                                   unique_by=lambda f: f.partition(":")[0]))
            tokens.append("fl_" + ".".join(chosen))
        else:
            tokens.append(draw(value(key)))
    return tokens


@st.composite
def transformations(draw: st.DrawFn) -> str:
    """A whole valid transformation: components and overlays, output parameters in one of them."""
    runs = draw(st.lists(st.one_of(component().map(lambda c: [c]), overlay()), min_size=1, max_size=5))
    while len(runs) > 1 and sum(map(len, runs)) > MAX_COMPONENTS - 1:  # room for the output component
        runs.pop()
    parts = [part for run in runs for part in run]
    extra = draw(output())
    if extra:
        top = [i for i, run in enumerate(runs) if len(run) == 1]  # plain components, not inside an overlay
        if draw(st.booleans()) and top:
            index = sum(len(run) for run in runs[:draw(st.sampled_from(top))])
            parts[index] = ",".join([parts[index], *extra])
        else:
            parts.append(",".join(extra))
    return "/".join(parts)


# Each break of a valid transformation, with the start of the message it must be refused with.
BREAKS: list[tuple[str, str]] = [
    ("c_fill", "c_fill needs w_, h_ or ar_ in the same component"),
    ("w_100,x_10", "x_ and y_ need c_crop in the same component"),
    ("w_100,g_north", "g_ needs c_fill"),
    ("c_thumb,w_100,z_2", "z_ needs c_thumb or c_crop with g_face"),
    ("dpr_2.0", "dpr_ needs w_ or h_ in the same component"),
    ("w_100,w_200", "Parameter w_ appears twice"),
    ("zz_1", "Unknown parameter zz_"),
    ("fl_relative", "fl_relative needs an overlay (l_) before it"),
    ("l_logo123,q_80/fl_layer_apply", "Parameter q_ applies to the whole image, not inside an overlay"),
    ("e_multiply", "e_multiply blends an overlay: put it with fl_layer_apply"),
    ("w_-3", "Invalid w_-3: expected"),
]


@st.composite
def refused(draw: st.DrawFn) -> tuple[str, str]:
    """A valid transformation with one broken component put among its components, and the message."""
    broken, message = draw(st.sampled_from(BREAKS))
    parts = draw(transformations()).split("/")
    if len(parts) + broken.count("/") + 1 > MAX_COMPONENTS:  # the count has its own message
        parts = []
    at = draw(st.integers(0, len(parts)))
    # Inside an overlay the same break may be caught by another rule first: put it between runs.
    while 0 < at < len(parts) and not _between_runs(parts, at):
        at -= 1
    parts.insert(at, broken)
    return "/".join(parts), message


def _between_runs(parts: list[str], at: int) -> bool:
    depth = 0
    for part in parts[:at]:
        tokens = part.split(",")
        applies = any(t.startswith("fl_") and LAYER_APPLY in t for t in tokens)
        if any(t.startswith(("l_", "u_")) for t in tokens) and not applies:
            depth += 1
        elif applies:
            depth -= 1
    return depth == 0
