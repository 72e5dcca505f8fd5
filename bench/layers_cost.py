"""What overlays, animations and the upload-time summary cost, rendered through the engine.

Run: ``python bench/layers_cost.py`` (prints the Markdown tables quoted in docs/layers.md). Each row
is the best of three on this machine; sources are built from the shipped photos:

- overlays: a 10 MP JPEG (the rocket enlarged to 3840x2562) to a 1200 px wide JPEG, with and without
  an image watermark and a text caption;
- animation: a 100-frame 320x240 GIF (the cat in changing brightness) through c_fill to GIF, WebP
  and JPEG, and with per-frame steps;
- upload summary: dominant colours, BlurHash and placeholder of each shipped photo.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyvips

from imgorigin.blob import Blob
from imgorigin.info.summary import summarize
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import Header, SourceLimits, configure_libvips, read_header
from imgorigin.transform.values import OutputFormat

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
OVERLAYS = [
    "c_scale,w_1200",
    "c_scale,w_1200/l_logo,w_0.15,fl_relative,g_south_east,x_20,y_20,o_70",
    "c_scale,w_1200/l_text:arial_36_bold:%C2%A9%20imgorigin%202026,co_white/fl_layer_apply,g_south_west,x_20,y_20",
    "l_logo,w_0.15,fl_relative,g_south_east,x_20,y_20/c_scale,w_1200",
]
ANIMATION = [
    ("c_fill,w_160,h_120", OutputFormat.GIF),
    ("c_fill,w_160,h_120", OutputFormat.WEBP),
    ("c_fill,w_160,h_120", OutputFormat.JPEG),
    ("c_fill,w_160,h_120,g_auto", OutputFormat.WEBP),
    ("c_fill,w_160,h_120/e_grayscale", OutputFormat.WEBP),
    ("c_fill,w_160,h_120/r_20", OutputFormat.WEBP),
    ("c_fill,w_160,h_120/l_text:arial_20_bold:Hi,co_white", OutputFormat.WEBP),
]


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    configure_libvips()
    pyvips.cache_set_max(0)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        big = work / "big.jpg"
        rocket = pyvips.Image.new_from_file(str(PHOTOS / "rocket.jpg"))
        rocket.resize(6).crop(0, 0, 3840, 2562).write_to_file(str(big), Q=90)
        logo = Blob(path=PHOTOS / "logo.png")

        def open_layer(image_id: str) -> tuple[Blob, Header]:
            return logo, read_header(logo, SourceLimits())

        source = Blob(path=big)
        header = read_header(source, SourceLimits())
        print("| overlay (10 MP JPEG to 1200 px JPEG) | ms |\n| --- | --- |")
        for text in OVERLAYS:
            plan = parse(text)
            seconds = best_of(3, partial(render, source, header, plan, OutputFormat.JPEG, Limits(),
                                         open_layer=open_layer))
            print(f"| `{text}` | {seconds * 1000:.0f} |")

        cat = pyvips.Image.thumbnail(str(PHOTOS / "chelsea.png"), 320, height=240, crop="centre")
        frames = [(cat * (0.5 + i / 200)).cast("uchar") for i in range(100)]
        strip = pyvips.Image.arrayjoin(frames, across=1).copy()
        strip.set_type(pyvips.GValue.gint_type, "page-height", 240)
        strip.set_type(pyvips.GValue.array_int_type, "delay", [40] * 100)
        gif = work / "anim.gif"
        strip.write_to_file(str(gif))
        animation = Blob(path=gif)
        anim_header = read_header(animation, SourceLimits())
        print(f"\n| animation ({gif.stat().st_size // 1024} KiB GIF, 100 frames of 320x240) | to | ms | KiB |")
        print("| --- | --- | --- | --- |")
        for text, fmt in ANIMATION:
            plan = parse(text)
            result = render(animation, anim_header, plan, fmt, Limits())
            seconds = best_of(3, partial(render, animation, anim_header, plan, fmt, Limits()))
            print(f"| `{text}` | {fmt.value} | {seconds * 1000:.0f} | {len(result.data) // 1024} |")

        print("\n| upload summary (colours, BlurHash, placeholder) | ms |\n| --- | --- |")
        for name in ("rocket.jpg", "chelsea.png", "logo.png", "hubble_deep_field.jpg"):
            seconds = best_of(3, partial(summarize, Blob(path=PHOTOS / name)))
            print(f"| {name} | {seconds * 1000:.1f} |")
        seconds = best_of(3, lambda: summarize(source))
        print(f"| 10 MP JPEG | {seconds * 1000:.1f} |")


if __name__ == "__main__":
    main()
