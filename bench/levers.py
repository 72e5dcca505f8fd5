"""Before/after figures for each speed lever, in-process (CPU time, so other load on the machine
matters less than for wall-clock figures). Prints Markdown tables; docs/performance.md quotes them.

    python bench/levers.py             # every lever
    python bench/levers.py levels_job  # one of them
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pyvips

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from fidelity import reference  # noqa: E402
from sources import write_sources  # noqa: E402
from timing import cpu_ms  # noqa: E402

from imgorigin.blob import Blob  # noqa: E402
from imgorigin.transform.levels import PyramidPolicy, _resize_to, build_levels  # noqa: E402
from imgorigin.transform.limits import Limits  # noqa: E402
from imgorigin.transform.pipeline import build  # noqa: E402
from imgorigin.transform.plan import parse  # noqa: E402
from imgorigin.transform.render import render  # noqa: E402
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header  # noqa: E402
from imgorigin.transform.values import OutputFormat  # noqa: E402
from tests.imaging import ssim  # noqa: E402


def decoded(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "").copy_memory()


def jpeg_shrink(big: Path) -> None:
    print("\n### JPEG shrink-on-load, (a) 4000x3000 -> 300x225 (decode + resize only)\n")
    print("| path | CPU ms | SSIM vs exact |")
    print("| --- | ---: | ---: |")
    exact = reference("a", big, (300, 225))
    thumb = lambda: pyvips.Image.thumbnail(str(big), 300, height=225, size="force")  # noqa: E731

    def block() -> pyvips.Image:
        image = pyvips.Image.new_from_file(str(big), shrink=8, access="sequential")
        return image.resize(300 / image.width, vscale=225 / image.height, kernel="lanczos3")

    for name, make in (("thumbnail (libvips picks 1/4)", thumb), ("shrink=8 + lanczos3 (imgorigin)", block)):
        print(f"| {name} | {cpu_ms(lambda m=make: m().avg()):.1f} | {ssim(make().copy_memory(), exact):.4f} |")


def whole_render(blob: Blob, transformation: str, fmt: OutputFormat, levels: object = None) -> bytes:
    header = read_header(blob, SourceLimits())
    return render(blob, header, parse(transformation), fmt, Limits(), levels=levels).data  # type: ignore[arg-type]


def header_once(big: Path) -> None:
    print("\n### Reading the header, against the whole (a) render\n")
    blob = Blob(path=big)
    print("| step | CPU ms |")
    print("| --- | ---: |")
    print(f"| read_header (open, parse, checks) | {cpu_ms(lambda: read_header(blob, SourceLimits())):.2f} |")
    print(f"| whole render (a) | {cpu_ms(lambda: whole_render(blob, 'w_300,q_80', OutputFormat.JPEG)):.1f} |")


def pyramid(big: Path) -> None:
    print("\n### Pyramid, whole renders in-process\n")
    blob = Blob(path=big)
    header = read_header(blob, SourceLimits())
    levels = {d: Blob(data=data) for d, data in build_levels(blob, header, PyramidPolicy()).items()}
    build_ms = cpu_ms(lambda: build_levels(blob, header, PyramidPolicy()), repeat=3)
    print(f"Building both levels at upload: {build_ms:.0f} ms CPU.\n")
    print("| render | from the original, CPU ms | from a level, CPU ms | level | SSIM level vs original path |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for text, fmt in (("w_300,q_80", OutputFormat.JPEG), ("w_1024", OutputFormat.AVIF),
                      ("c_fill,w_400,h_400", OutputFormat.WEBP), ("w_800", OutputFormat.PNG)):
        chosen: list[int] = []

        def pick(scaled: tuple[int, int], chosen: list[int] = chosen) -> Blob | None:
            found = PyramidPolicy().choose(header, scaled)
            chosen[:] = found[:1]
            return levels[found[0]] if found else None

        original = cpu_ms(lambda t=text, f=fmt: whole_render(blob, t, f), repeat=5)
        level = cpu_ms(lambda t=text, f=fmt: whole_render(blob, t, f, pick), repeat=5)
        a = decoded(whole_render(blob, text, OutputFormat.PNG))
        b = decoded(whole_render(blob, text, OutputFormat.PNG, pick))
        print(f"| {text} .{fmt.value} | {original:.1f} | {level:.1f} | 1/{chosen[0] if chosen else '-'} | "
              f"{ssim(a, b):.4f} |")


def levels_job(big: Path) -> None:
    """The levels job's encodes: before, each level reduced from the full decode and written with
    optimised Huffman tables; now, each from the level before it and with the standard tables."""
    print("\n### The levels job: how the levels are reduced and encoded\n")
    blob = Blob(path=big)
    header = read_header(blob, SourceLimits())
    policy = PyramidPolicy()
    sizes = policy.level_sizes(header)
    upright = decoded(big.read_bytes()).autorot().copy_memory()

    def before() -> dict[int, bytes]:
        options = {"Q": 95, "subsample_mode": "off", "optimize_coding": True, "keep": "none"}
        return {d: bytes(_resize_to(upright, size).write_to_buffer(".jpg", **options)) for d, size in sizes.items()}

    def after() -> dict[int, bytes]:
        source, out = upright, {}
        for d in sorted(sizes):
            source = _resize_to(source, sizes[d]).copy_memory()
            out[d] = bytes(source.write_to_buffer(".jpg", Q=95, subsample_mode="off", keep="none"))
        return out

    print("| levels of the 4000x3000 JPEG | CPU ms (decoded pixels in) | 1/2 bytes | 1/8 bytes | "
          "SSIM 1/2 vs exact | SSIM 1/8 vs exact |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    exact = {d: _resize_to(upright, size).copy_memory() for d, size in sizes.items()}
    for label, make in (("from the full decode, optimised tables (before)", before),
                        ("each from the one before, standard tables (now)", after)):
        ms = cpu_ms(make, repeat=5)
        made = make()
        print(f"| {label} | {ms:.0f} | {len(made[2]):,} | {len(made[8]):,} | "
              f"{ssim(decoded(made[2]), exact[2]):.4f} | {ssim(decoded(made[8]), exact[8]):.4f} |")
    whole = cpu_ms(lambda: build_levels(blob, header, policy), repeat=3)
    print(f"\n`build_levels` as the job runs it (decode included): {whole:.0f} ms CPU.")


def png_reduction(rgba: Path) -> None:
    print("\n### PNG, (c) crop 600x400 + grayscale of the RGBA source\n")
    blob = Blob(path=rgba)
    header = read_header(blob, SourceLimits())
    plan = parse("c_crop,w_600,h_400/e_grayscale")
    print("| encode | bands | bytes | CPU ms (whole render) |")
    print("| --- | ---: | ---: | ---: |")
    for name, level in (("RGBA, zlib 7 (before)", 7), ("RGBA, zlib 5", 5)):
        data = build(blob, header, plan, OutputFormat.PNG, Limits()).write_to_buffer(
            ".png", compression=level, filter="all")
        ms = cpu_ms(lambda lv=level: build(blob, header, plan, OutputFormat.PNG, Limits()).write_to_buffer(
            ".png", compression=lv, filter="all"))
        print(f"| {name} | 4 | {len(data):,} | {ms:.1f} |")
    data = whole_render(blob, "c_crop,w_600,h_400/e_grayscale", OutputFormat.PNG)
    ms = cpu_ms(lambda: whole_render(blob, "c_crop,w_600,h_400/e_grayscale", OutputFormat.PNG))
    print(f"| grey + alpha, zlib 5, from the original | {decoded(data).bands} | {len(data):,} | {ms:.1f} |")
    copy = Blob(data=build_levels(blob, header, PyramidPolicy())[1])
    same = whole_render(blob, "c_crop,w_600,h_400/e_grayscale", OutputFormat.PNG, lambda size: copy)
    ms = cpu_ms(lambda: whole_render(blob, "c_crop,w_600,h_400/e_grayscale", OutputFormat.PNG, lambda size: copy))
    print(f"| grey + alpha, zlib 5, from the full-size copy (imgorigin) | {decoded(same).bands} | {len(same):,} | "
          f"{ms:.1f} |")
    print(f"\nFull-size copy: {len(copy.data or b''):,} bytes next to the {rgba.stat().st_size:,}-byte original; "
          f"output identical: {same == data}.")


def avif_effort(big: Path) -> None:
    print("\n### AVIF effort, (d) w_1024 at Q55 (encode of the 1024x768 image only)\n")
    image = pyvips.Image.thumbnail(str(big), 1024).copy_memory()
    exact = reference("d", big, (image.width, image.height))
    print("| effort | CPU ms | bytes | SSIM vs exact |")
    print("| ---: | ---: | ---: | ---: |")
    for effort in (0, 1, 2, 3, 4):
        data = image.write_to_buffer(".avif", Q=55, effort=effort, keep="none")
        ms = cpu_ms(lambda e=effort: image.write_to_buffer(".avif", Q=55, effort=e, keep="none"), repeat=3)
        print(f"| {effort} | {ms:.0f} | {len(data):,} | {ssim(decoded(data), exact):.4f} |")


def concurrency(big: Path) -> None:
    print("\n### libvips threads per render, two renders at once (one worker's RenderSlots on 2 cores)\n")
    blob = Blob(path=big)
    print("| VIPS concurrency | (a) renders/s | (d) renders/s |")
    print("| ---: | ---: | ---: |")
    for threads in (1, 2):
        pyvips.concurrency_set(threads)
        rates = []
        for text, fmt, count in (("w_300,q_80", OutputFormat.JPEG, 40), ("w_1024", OutputFormat.AVIF, 8)):
            def work(text: str = text, fmt: OutputFormat = fmt, count: int = count) -> None:
                for _ in range(count // 2):
                    whole_render(blob, text, fmt)

            start = time.perf_counter()
            pool = [threading.Thread(target=work) for _ in range(2)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            rates.append(count / (time.perf_counter() - start))
        print(f"| {threads} | {rates[0]:.1f} | {rates[1]:.1f} |")
    pyvips.concurrency_set(0)


def main() -> None:
    configure_libvips()
    pyvips.cache_set_max(0)
    sources = write_sources(ROOT / ".work" / "sources")
    print(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}; medians of process CPU time")
    levers = {"jpeg_shrink": (jpeg_shrink, "big"), "header_once": (header_once, "big"), "pyramid": (pyramid, "big"),
              "levels_job": (levels_job, "big"), "png_reduction": (png_reduction, "rgba"),
              "avif_effort": (avif_effort, "big"), "concurrency": (concurrency, "big")}
    for name in sys.argv[1:] or list(levers):
        lever, source = levers[name]
        lever(sources[source])


if __name__ == "__main__":
    main()
