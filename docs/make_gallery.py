"""Write docs/transformations.md and its pictures (docs/gallery/*.webp) from the registries.

    python docs/make_gallery.py            # from the repository root; about a minute

Every URL parameter (``params.PARAMS``), effect (``effects.EFFECTS``) and flag (``flags.FLAGS``) gets a
section: its documentation as declared in code, its accepted values (asked from its own parser, so
the page cannot drift from the code), its default, example URLs, and each example rendered by the
real engine from a shipped photo. A unit declared without a demonstration below still gets a
section, rendered from its declared example. tests/test_docs.py fails when one is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyvips  # noqa: E402

from imgorigin.blob import Blob  # noqa: E402
from imgorigin.transform import expr as x  # noqa: E402
from imgorigin.transform import params as p  # noqa: E402
from imgorigin.transform.autosize import resolve  # noqa: E402
from imgorigin.transform.effects.blend import BLEND_MODES  # noqa: E402
from imgorigin.transform.effects.registry import EFFECTS  # noqa: E402
from imgorigin.transform.expreval import evaluate  # noqa: E402
from imgorigin.transform.exprplan import MAX_DEPTH, MAX_VARIABLES, Program, parse_any  # noqa: E402
from imgorigin.transform.faces import FaceDetector  # noqa: E402
from imgorigin.transform.flags import FLAGS  # noqa: E402
from imgorigin.transform.limits import Limits  # noqa: E402
from imgorigin.transform.render import render  # noqa: E402
from imgorigin.transform.responsive import NO_HINTS  # noqa: E402
from imgorigin.transform.source import Header, SourceLimits, configure_libvips, read_header  # noqa: E402
from imgorigin.transform.values import OutputFormat  # noqa: E402

PHOTOS = ROOT / "tests" / "fixtures"
GALLERY = "gallery"
THUMB_SIDE = 240
HOST = "https://img.example.com"
IMAGE = "<id>"

# Parameters whose declared example needs company to be a whole transformation, and the pictures
# worth showing for each. Anything not listed is shown with its declared example.
DEMOS: dict[str, list[str]] = {
    "w": ["w_200", "w_0.5", "c_limit,w_auto:100:200"],
    "h": ["h_150"],
    "c": ["c_scale,w_240,h_120", "c_fit,w_200,h_200", "c_fill,w_200,h_200", "c_pad,w_240,h_120,b_black",
          "c_crop,w_150,h_150,g_north_west", "c_thumb,w_150,h_150", "c_auto,w_150,h_200",
          "c_fill_pad,w_240,h_120,b_auto"],
    "g": ["c_fill,w_120,h_200,g_west", "c_fill,w_120,h_200,g_east", "c_fill,w_120,h_200,g_auto",
          "c_thumb,g_face,w_150,h_150", "c_fill,g_faces,w_120,h_200", "c_crop,g_face,w_120,h_150"],
    "z": ["c_thumb,g_face,w_150,h_150,z_0.75", "c_thumb,g_face,w_150,h_150,z_1.5"],
    "x": ["c_crop,w_150,h_150,x_220,y_60"],
    "y": ["c_crop,w_200,h_100,y_0.5"],
    "ar": ["c_fill,ar_16:9,w_240", "c_fill,ar_1:1,w_160"],
    "dpr": ["c_scale,w_100,dpr_2.0", "c_scale,w_100,dpr_auto"],
    "a": ["a_20", "a_90", "a_hflip", "a_-45,b_white"],
    "b": ["c_pad,w_240,h_120,b_rgb:1e90ff", "a_30,b_gold", "c_pad,w_240,h_120,b_auto",
          "c_pad,w_240,h_120,b_auto:predominant", "c_pad,w_240,h_120,b_auto:border_contrast"],
    "q": ["q_10", "q_auto:eco"],
    "f": ["f_webp", "f_jpg"],
    "e": ["e_grayscale", "e_sepia:50"],
    "fl": ["l_logo/w_80/fl_layer_apply,g_north_east,x_10,y_10"],
    "o": ["o_50"],
    "co": ["l_text:arial_40_bold:Chelsea,co_white/fl_layer_apply,g_south,y_10"],
    "l": ["l_logo,w_0.3,fl_relative,g_south_east,x_10,y_10,o_80",
          "l_text:dejavuserif_32_italic:Hello%2C%20cat,co_rgb:ffd700/fl_layer_apply,g_north_west,x_10,y_10",
          "l_logo/e_grayscale/w_100/fl_layer_apply,g_center,o_60",
          "l_text:arial_20_bold_center:A%20cat%20called%20Chelsea%2C%20wrapped%20to%20220%20px,"
          "co_white,c_fit,w_220/fl_layer_apply,g_south,y_12",
          "l_logo/l_text:arial_60_bold:LOGO,co_white/fl_layer_apply,g_center/w_120/fl_layer_apply,g_south_east,x_10,y_10",
          "l_text:arial_28_bold:Chelsea%0Athe%20cat,co_white/fl_layer_apply,g_south_west,x_12,y_12"],
    "u": ["r_max/u_logo,c_fill,w_1.0,h_1.0,fl_relative"],
    "pg": ["pg_1", "pg_2", "pg_3", "pg_2-3"],
    "r": ["r_30", "r_max", "r_40:0"],
    "bo": ["bo_6px_solid_black", "r_30,bo_4px_solid_white"],
}
FLAG_DEMOS: dict[str, list[str]] = {
    "layer_apply": ["l_logo/w_80/fl_layer_apply,g_south_west,x_10,y_10"],
    "relative": ["l_logo,w_0.5,fl_relative"],
}
# Where the default cannot be read from the unit itself.
DEFAULTS: dict[str, str] = {
    "c": "`scale`", "g": "`center` (`c_crop` with x_/y_: `north_west`)", "a": "none; EXIF orientation is applied",
    "b": "transparent where the format has alpha, else white", "q": "80 (JPEG, WebP), 55 (AVIF)",
    "f": "the extension", "o": "100", "co": "black (text)", "dpr": "1.0", "pg": "every frame",
    "x": "0", "y": "0", "z": "1.0", "fl": "none", "e": "none", "l": "none", "r": "none", "bo": "none",
    "w": "the image's width", "h": "the image's height", "ar": "the image's",
}
# Variables, arithmetic and conditions, each evaluated on the photo's header before it renders.
EXPRESSION_DEMOS = [
    "w_iw_div_2", "$size_160/c_fill,w_$size,h_$size_div_2", "c_fill,w_300,h_100/c_pad,w_w,h_w,b_black",
    "if_ar_gt_1/c_fill,w_200,h_100/if_else/c_fill,w_100,h_200/if_end",
    "if_w_gt_1000/e_grayscale/if_else/e_sepia/if_end", "if_iw_gt_300_and_ar_lt_1.5,e_negate",
    "$name_!Chelsea!/l_text:arial_40_bold:$(name),co_white/fl_layer_apply,g_south,y_10",
]
# Demos rendered from the animation (pg_ picks frames of it) rather than from the photo.
ANIMATED = {"pg"}
SECTIONS = [
    ("Size and crop", ["w", "h", "c", "g", "z", "x", "y", "ar", "dpr"]),
    ("Rotation and background", ["a", "b"]),
    ("Shape", ["r", "bo", "o"]),
    ("Overlays", ["l", "u", "co", "fl"]),
    ("Animation", ["pg"]),
    ("Output", ["f", "q"]),
    ("Effects", ["e"]),
    ("Variables, arithmetic and conditions", ["$"]),
]


def slug(text: str) -> str:
    """A readable file name; a minus sign is kept apart ('m') so a_-45 and a_45 do not collide."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", text.replace("_-", "_m").replace(":-", ":m")).strip("-").lower()
    if len(name) > 60:
        name = name[:52] + "-" + hashlib.sha1(text.encode()).hexdigest()[:7]
    return name


def prose(doc: str) -> str:
    """A docstring as markdown: dedented, reST ``literals`` as `code`."""
    return inspect.cleandoc(doc).replace("``", "`")


def expected_values(parse_value: Callable[[str], Any]) -> str:
    """What a unit accepts, in its own words: the message its parser gives for a nonsense value."""
    try:
        parse_value("\x00")
    except ValueError as exc:
        return str(exc)
    return "any value"


class Gallery:
    def __init__(self, out: Path, work: Path, models: Path) -> None:
        self.out = out
        self.images = out / GALLERY
        self.images.mkdir(parents=True, exist_ok=True)
        base = pyvips.Image.thumbnail(str(PHOTOS / "chelsea.png"), 400, height=300, crop="centre")
        self.photo = self._save(work / "photo.png", base)
        self.logo = self._save(work / "logo.png", pyvips.Image.thumbnail(str(PHOTOS / "logo.png"), 200))
        self.animation = self._save(work / "animation.gif", self._animation(base))
        # Face demos (g_face, z_, e_*_faces) need a person: the astronaut photo.
        self.portrait = self._save(work / "portrait.png", pyvips.Image.thumbnail(str(PHOTOS / "astronaut.png"), 400))
        self.detector = FaceDetector()
        self.remover = self._remover(models)
        self.rendered: dict[str, tuple[str, int, int, int]] = {}

    @staticmethod
    def _save(path: Path, image: pyvips.Image) -> Blob:
        image.write_to_file(str(path))
        return Blob(path=path)

    @staticmethod
    def _animation(photo: pyvips.Image) -> pyvips.Image:
        small = photo.resize(0.5)
        frames = [small, small.colourspace("b-w").colourspace("srgb"), small.invert()]
        strip = pyvips.Image.arrayjoin(frames, across=1).copy()
        strip.set_type(pyvips.GValue.gint_type, "page-height", small.height)
        strip.set_type(pyvips.GValue.array_int_type, "delay", [600] * 3)
        strip.set_type(pyvips.GValue.gint_type, "loop", 0)
        return strip

    @staticmethod
    def _remover(models: Path) -> Any:
        try:
            from imgorigin.transform.cutout import BackgroundRemover, is_installed
        except ImportError:
            return None
        return BackgroundRemover(models) if is_installed(models) else None

    def open_layer(self, image_id: str) -> tuple[Blob, Header]:
        if image_id != "logo":
            raise KeyError(image_id)
        return self.logo, read_header(self.logo, SourceLimits())

    def render(self, transformation: str, animated: bool = False) -> str:
        """Render once; returns the markdown image for ``transformation``."""
        if transformation not in self.rendered:
            source = self.animation if animated else self.portrait if "face" in transformation else self.photo
            header = read_header(source, SourceLimits())
            fmt = OutputFormat.WEBP
            # A page sends no client hints: w_auto and dpr_auto show what a browser sending none gets.
            plan = parse_any(transformation)
            if isinstance(plan, Program):
                plan = evaluate(plan, header, Limits())
            plan = resolve(plan, NO_HINTS, header.width, Limits())
            result = render(source, header, plan, fmt, Limits(), open_layer=self.open_layer,
                            face_detector=self.detector,
                            **({"background_remover": self.remover} if self.remover else {}))
            image = pyvips.Image.new_from_buffer(result.data, "", **({"n": -1} if animated else {}))
            scale = min(1.0, THUMB_SIDE / max(image.width, result.height))
            if scale < 1.0:
                image = image.resize(scale)
            name = f"{slug(transformation)}.webp"
            image.write_to_file(str(self.images / name), Q=70, effort=6, keep="none")
            size = (self.images / name).stat().st_size
            self.rendered[transformation] = (name, result.width, result.height, size)
        name, width, height, _ = self.rendered[transformation]
        return f"![{transformation}]({GALLERY}/{name})<br>`{transformation}`<br><sub>{width}x{height}</sub>"

    def grid(self, demos: list[str], animated: bool = False) -> str:
        cells = [self.render(demo, animated) for demo in demos]
        rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
        width = min(3, len(cells))
        lines = ["| " + " | ".join([""] * width) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
        return "\n".join(lines)


def example_urls(demos: list[str], extension: str = "jpg") -> str:
    return "\n".join(f"{HOST}/t/s--SIGNATURE--/{demo}/{IMAGE}.{extension}" for demo in demos)


def param_section(gallery: Gallery, key: str) -> str:
    param = p.PARAMS[key]
    demos = DEMOS.get(key) or [param.example]
    lines = [
        f"### `{key}_` {param.name}",
        "",
        prose(param.doc),
        "",
        f"- **Values:** {expected_values(param.parse_value)}",
        f"- **Default:** {DEFAULTS.get(key, 'none')}",
        f"- **Applies:** {'once, to the whole result' if param.output else 'in its component, in order'}",
        "",
        "```",
        example_urls(demos),
        "```",
        "",
        gallery.grid(demos, animated=key in ANIMATED),
        "",
    ]
    return "\n".join(lines)


def effect_section(gallery: Gallery, name: str) -> str:
    unit = EFFECTS[name]
    try:
        default = unit.format_arg(unit.parse_arg(None))
    except ValueError:
        default = "(a value is required)"
    # An example that is a whole transformation (a blend mode needs an overlay) is shown as it is.
    whole = unit.example.startswith("e_") or "/" in unit.example
    demos = [unit.example if whole else f"e_{unit.example}"]
    if demos[0] != f"e_{name}" and default not in (None, "(a value is required)"):
        demos.insert(0, f"e_{name}")
    lines = [
        f"### `e_{name}`",
        "",
        prose(unit.doc),
        "",
        f"- **Values:** {expected_values(unit.parse_arg)}",
        f"- **Default:** {'no value' if default is None else default}",
        "",
        "```",
        example_urls(demos),
        "```",
        "",
        gallery.grid(demos),
        "",
    ]
    return "\n".join(lines)


def flag_section(gallery: Gallery, name: str) -> str:
    flag = FLAGS[name]
    demos = FLAG_DEMOS.get(name) or [flag.example if "/" in flag.example or "," in flag.example
                                     else f"c_scale,w_240/{flag.example}"]
    lines = [f"#### `fl_{name}`", "", prose(flag.doc), "", "```", example_urls(demos), "```", ""]
    lines += [gallery.grid(demos), ""]
    return "\n".join(lines)


EXPRESSIONS = """Cloudinary's user-defined variables, arithmetic and conditional transformations. They are
evaluated against the image's header (its size and page count) and the size the chain reaches at each
component, before anything is decoded; the result is an ordinary transformation, and that is the cache
key: `w_iw_div_2` on a 1000-pixel image and `w_500` are one derived image.

- **Variables:** `$<name>_<value>` assigns (a letter, then letters and digits, up to 32): a number, a
  string `!text!`, or an expression. Assignments may stand in their own component or with other
  parameters, where they run first, in the order written. Use them as `w_$size`, in arithmetic
  (`$small_$size_div_2`), in conditions, and in a text overlay as `$(name)`. A variable is defined by
  an assignment earlier in the chain (a named transformation can use what the URL assigns).
- **Arithmetic:** in the values of `w h x y r o q a z dpr ar` and after `e_<effect>:`. Terms are numbers
  (`0.5`, a ratio `3:4`), variables and the image's sizes: {predefined}.
  They are joined by the operators `add sub mul div mod pow`; `pow` binds tightest (from the right),
  then `mul div mod`, then `add sub`. Computed sizes are rounded to whole pixels; a decimal written
  as is keeps its meaning (`$f_0.5/w_$f` is `w_0.5`, half the width).
- **Conditions:** `if_<a>_<op>_<b>` with `eq ne lt gt lte gte`, joined by `_and_` (first) and `_or_`.
  `if_<condition>` alone applies the components up to `if_end` (or `if_else`, then `if_end`; an `if_`
  left open runs to the end of the chain); `if_<condition>,<parameters>` guards that one component.
  Blocks nest {depth} deep.
- **Limits:** {length} characters and {operations} operators per expression, {variables} variables. Division by
  zero, an undefined variable, a result that is not finite or out of its parameter's range: a 400 naming
  the parameter as written. `w`, `h` and `ar` are the image's, so they cannot be used inside an overlay,
  nor after `e_trim` or `e_outline`, whose result only the pixels tell.
"""


def expression_section(gallery: Gallery) -> str:
    predefined = ", ".join(f"`{name}` ({meaning})" for name, meaning in x.PREDEFINED.items() if name != "pages")
    predefined += " or its synonym `pages`"
    text = EXPRESSIONS.format(predefined=predefined, depth=MAX_DEPTH, length=x.MAX_LENGTH,
                              operations=x.MAX_OPERATIONS, variables=MAX_VARIABLES)
    return "\n".join([text, "```", example_urls(EXPRESSION_DEMOS), "```", "", gallery.grid(EXPRESSION_DEMOS), ""])


INTRO = """# Transformations

Every parameter of the delivery URL, with what it accepts and a picture of what it does. This page
is generated by `docs/make_gallery.py` from the declarations in `imgorigin/transform/` (the values
and defaults come from the parsers themselves) and every picture is rendered by the real engine, so
the page and the code cannot disagree. The grammar is Cloudinary's:

    /t/s--SIGNATURE--/<component>/<component>/.../<image id>.<extension>

A component is comma-separated `key_value` parameters in any order; components apply one after the
other. `t_<name>` stands for a named preset (see [layers.md](layers.md#presets)). Overlays are
written `l_<image id>` (here `l_logo`, the scikit-image logo) or `l_text:<font>_<size>:<text>`.

The photo is Chelsea the cat (CC0), 400x300; the animation is three 200x150 frames of it. Each
picture is shown at most {side} px wide; the caption gives the rendered size.

| the photo | the animation |
|---|---|
| ![original](gallery/original.webp) | ![animation](gallery/animation.webp) |

"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where transformations.md goes")
    parser.add_argument("--models", type=Path, default=ROOT / "models", help="background-removal model directory")
    args = parser.parse_args()
    configure_libvips()
    shutil.rmtree(args.out / GALLERY, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        gallery = Gallery(args.out, Path(work), args.models)
        pyvips.Image.new_from_file(str(gallery.photo.path)).resize(0.6).write_to_file(
            str(gallery.images / "original.webp"), Q=70, keep="none")
        pyvips.Image.new_from_file(str(gallery.animation.path), n=-1).write_to_file(
            str(gallery.images / "animation.webp"), Q=70, keep="none")
        parts = [INTRO.format(side=THUMB_SIDE), "## Contents\n"]
        parts += [f"- [{title}](#{slug(title)})" for title, _ in SECTIONS]
        parts.append("")
        covered: set[str] = set()
        for title, keys in SECTIONS:
            parts.append(f"## {title}\n")
            for key in keys:
                if key in p.PARAMS:
                    parts.append(param_section(gallery, key))
                    covered.add(key)
                if key == "fl":
                    parts += [flag_section(gallery, name) for name in sorted(FLAGS)]
                if key == "fl":  # blend modes act only where an overlay is placed: they live here
                    parts += [effect_section(gallery, name) for name in EFFECTS if name in BLEND_MODES]
                if key == "e":
                    parts += [effect_section(gallery, name) for name in EFFECTS if name not in BLEND_MODES]
                if key == "$":
                    parts.append(expression_section(gallery))
        rest = [key for key in p.PARAMS if key not in covered]
        if rest:
            parts.append("## More parameters\n")
            parts += [param_section(gallery, key) for key in rest]
        total = sum(size for *_, size in gallery.rendered.values())
        parts.append(f"<sub>{len(gallery.rendered)} pictures, {total // 1024} KiB in all.</sub>\n")
        (args.out / "transformations.md").write_text("\n".join(parts))
        print(f"wrote {args.out / 'transformations.md'}: {len(gallery.rendered)} pictures, {total // 1024} KiB")


if __name__ == "__main__":
    main()
