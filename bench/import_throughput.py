"""How fast ``imgorigin import`` brings a library across, in images per second.

Three runs against real ``imgorigin serve --workers 2`` servers on loopback: a folder of small generated
PNGs into an empty account; the same folder again (everything skipped: the resumption cost); and the
whole account from the first server's Admin API into a second server (listing, signed downloads of the
originals, uploads). Run:  python -m bench.import_throughput [--count 1000] [--workers 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.importer.library import account, counts, finish, importer, make_library
from tests.integration.servers import Origin


def timed(*args: str, cwd: Path) -> tuple[float, tuple[int, int, int, int]]:
    started = time.monotonic()
    _, out = finish(importer(*args, cwd=cwd))
    return time.monotonic() - started, counts(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        origins = []
        for name in ("a", "b"):
            (work / name).mkdir()
            origin = Origin(work / name, {"IMGORIGIN_ADMIN_API_RATE": "0", "IMGORIGIN_LOG_LEVEL": "warning"},
                            workers=2)
            origin.start()
            origins.append(origin)
        try:
            make_library(work / "library", args.count)
            site, mirror = account(origins[0], "site"), account(origins[1], "mirror")
            target = ["--to", site, "--to-prefix", origins[0].base, "--workers", str(args.workers),
                      "--state", str(work / "state.jsonl"), "--map", str(work / "map.json")]
            rows = [("folder -> empty account", *timed(*target, str(work / "library"), cwd=work))]
            rows.append(("same folder again (all skipped)", *timed(*target, str(work / "library"), cwd=work)))
            rows.append(("account -> second server", *timed(
                "--from-cloudinary", site, "--from-prefix", origins[0].base, "--to", mirror, "--to-prefix",
                origins[1].base, "--workers", str(args.workers), "--state", str(work / "mirror.jsonl"),
                "--map", str(work / "mirror.json"), cwd=work)))
        finally:
            for origin in origins:
                origin.stop()
    print(f"| run ({args.count} images of 8x8 px, {args.workers} importer threads, 2 server workers) "
          "| seconds | images/s | imported | skipped |")
    print("| --- | --- | --- | --- | --- |")
    for name, seconds, (imported, skipped, failed, total) in rows:
        assert failed == 0 and total == args.count, (name, failed, total)
        print(f"| {name} | {seconds:.1f} | {total / seconds:.0f} | {imported} | {skipped} |")


if __name__ == "__main__":
    main()
