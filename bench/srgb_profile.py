"""What converting an sRGB-tagged original to sRGB costs a render, and what skipping it changes.

Workload (b) (a 1920x1080 JPEG carrying the common 3,144-byte "sRGB IEC61966-2.1" profile, filled to
800x600 WebP q80) rendered by the engine in-process, alternately with the sRGB check on and with every
profile converted as before. CPU ms are process CPU time (all libvips threads), medians.

    python bench/srgb_profile.py [rounds]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyvips

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from sources import photo_1920x1080  # noqa: E402

from imgorigin.blob import Blob  # noqa: E402
from imgorigin.transform import decode  # noqa: E402
from imgorigin.transform.limits import Limits  # noqa: E402
from imgorigin.transform.plan import parse  # noqa: E402
from imgorigin.transform.render import render  # noqa: E402
from imgorigin.transform.source import SourceLimits, configure_libvips, read_header  # noqa: E402
from imgorigin.transform.values import OutputFormat  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    configure_libvips()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hd.jpg"
        photo_1920x1080().jpegsave(str(path), Q=85)  # keeps the source photo's sRGB profile
        assert pyvips.Image.new_from_file(str(path)).get_typeof("icc-profile-data")
        blob = Blob(path=path)
        header = read_header(blob, SourceLimits())
        plan = parse("c_fill,w_800,h_600,q_80")
        check = decode._already_srgb
        modes = {"sRGB recognised, not converted": check, "every profile converted": lambda image: False}
        samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in modes}
        outputs: dict[str, bytes] = {}
        for _ in range(rounds):
            for name, mode in modes.items():
                decode._already_srgb = mode
                wall, cpu = time.perf_counter(), time.process_time()
                outputs[name] = render(blob, header, plan, OutputFormat.WEBP, Limits(), timeout=60).data
                samples[name][0].append((time.process_time() - cpu) * 1000)
                samples[name][1].append((time.perf_counter() - wall) * 1000)
        decode._already_srgb = check
    print(f"| (b) render, {rounds} alternating rounds | CPU ms (median) | wall ms (median) | bytes |")
    print("| --- | ---: | ---: | ---: |")
    for name, (cpu_ms, wall_ms) in samples.items():
        cpu, wall = statistics.median(cpu_ms), statistics.median(wall_ms)
        print(f"| {name} | {cpu:.1f} | {wall:.1f} | {len(outputs[name]):,} |")
    same = len(set(outputs.values())) == 1
    print(f"\nidentical output: {'yes' if same else 'no'}")


if __name__ == "__main__":
    main()
