"""Regenerate bench/RESULTS.md: imgorigin, thumbor and the pyvips floor, side by side, in one run.

    python bench/run.py                      # everything (about 10 minutes on 2 cores)
    python bench/run.py --workloads a,e --duration 3 --mixed 0 --out /tmp/quick.md

Servers are started as deployed (``imgorigin serve --workers 2``; thumbor one process per core behind
nginx; nginx proxy_cache for hits), loaded with wrk from this machine, and stopped by PID.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import urllib.request
from dataclasses import asdict
from pathlib import Path
from types import MappingProxyType

import pyvips

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fidelity import fidelity
from floor import djpeg_floor, pyvips_floors, shrink8_floor
from ingest import distinct_copies, measure_import, wait_complete
from ingest import start as start_checkout
from load import Point, run, write_script
from procs import ProcessTree
from report import write_report
from servers import (
    WORK,
    Server,
    account,
    ensure_sharp,
    sharp_version,
    start_bare_uvicorn,
    start_imgorigin,
    start_nginx_cache,
    start_sharp,
    start_thumbor_farm,
    thumbor_version,
    upload,
)
from sources import write_sources
from workloads import WORKLOADS

PORTS = MappingProxyType({
    "pyramid": 18080, "no_pyramid": 18081, "cache": 18082, "nginx": 18083, "thumbor": (18090, 18091),
    "thumbor_front": 18092, "bare": 18093, "sharp": 18094, "ingest": 18095,
})
EXT = {"big": ".jpg", "hd": ".jpg", "rgba": ".png"}
MIX = ("a", "a", "a", "a", "b", "b", "b", "c", "c", "d")  # mostly thumbnails, some AVIF


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="a,b,c,d,e,f", help="comma-separated subset of a-f")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measured point")
    parser.add_argument("--copies", type=int, default=48, help="distinct uploads per source (defeats single-flight)")
    parser.add_argument("--mixed", type=int, default=10_000, help="requests in the RSS-flatness run (0: skip)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds per point; the best one is reported")
    parser.add_argument("--no-thumbor", action="store_true")
    parser.add_argument("--no-sharp", action="store_true", help="skip sharp (npm; optional)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra IMGORIGIN_<NAME> setting for the render servers (before/after runs)")
    parser.add_argument("--preload", default="", help="LD_PRELOAD for the render servers (e.g. jemalloc)")
    parser.add_argument("--ingest", type=int, default=24, help="12 MP JPEGs in the ingest run (0: skip)")
    parser.add_argument("--ingest-baseline", type=Path, default=None, metavar="CHECKOUT",
                        help="another checkout whose ingest is measured in the same run (the before)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md")
    return parser.parse_args()


def machine() -> dict[str, str]:
    def sh(*cmd: str) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True)
            return (done.stdout or done.stderr).strip()
        except OSError:
            return "n/a"

    lscpu = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in sh("lscpu").splitlines())}
    return {
        "cpu": lscpu.get("Model name", platform.processor()),
        "cpus": lscpu.get("CPU(s)", str(os.cpu_count())),
        "threads per core": lscpu.get("Thread(s) per core", "?"),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "libvips": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}",
        "pyvips": pyvips.__version__,
        "nginx": sh(shutil.which("nginx") or "/usr/sbin/nginx", "-v").removeprefix("nginx version: "),
        "wrk": sh("wrk", "-v").splitlines()[0] if sh("wrk", "-v") else "n/a",
        "load": Path("/proc/loadavg").read_text().strip(),
    }


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return bytes(response.read())


def prepare_thumbor_root(sources: dict[str, Path], copies: int) -> Path:
    root = WORK / "thumbor-root"
    root.mkdir(parents=True, exist_ok=True)
    for key, path in sources.items():
        for n in range(copies):
            target = root / f"{key}_{n:02d}{EXT[key]}"
            if not target.exists():
                os.link(path, target)
    return root


def measure_uploads(sources: dict[str, Path], data_dir: Path, log: Path) -> dict[str, float]:
    """Median seconds to upload the big JPEG and the RGBA PNG with and without the pyramid, and the
    bytes of the levels they get (1/2 and 1/8 for the JPEG, the full-size copy for the PNG)."""
    result: dict[str, float] = {}
    for pyramid in ("0", "1"):
        server = start_imgorigin(f"upload-{pyramid}", PORTS["pyramid"], data_dir, log, cache_size="0",
                                 pyramid=pyramid)
        try:
            token = account(server.base)
            ids = []
            for key in ("big", "rgba"):
                done = [upload(server.base, token, sources[key]) for _ in range(5)]
                result[f"upload_s_{key}_pyramid_{pyramid}"] = statistics.median(seconds for _, seconds in done)
                ids += [image_id for image_id, _ in done]
            wait_complete(server.base, token, ids)  # the levels are built after the upload answers
        finally:
            server.stop()
    levels = list((data_dir / "pyramid").glob("*/*"))
    for denominator in (1, 2, 8):
        sizes = [p.stat().st_size for p in levels if p.name.endswith(f"_{denominator}")]
        result[f"level_{denominator}_bytes"] = statistics.median(sizes) if sizes else 0
    result["original_bytes"] = sources["big"].stat().st_size
    result["png_original_bytes"] = sources["rgba"].stat().st_size
    return result


def measure_ingest(big: Path, count: int, baseline: Path | None, log: Path) -> dict[str, dict[str, float]]:
    """A folder of ``count`` distinct 12 MP JPEGs through ``imgorigin import`` (bench/ingest.py), server
    and importer of this checkout and, when given, of a baseline checkout, alternating, best of two
    rounds each."""
    files = distinct_copies(big, count, WORK / "ingest")
    rounds: dict[str, list[dict[str, float]]] = {}
    for _ in range(2):
        for name, source in (("imgorigin", None), ("baseline", baseline)):
            if name == "baseline" and baseline is None:
                continue
            data = WORK / f"ingest-data-{name}"
            shutil.rmtree(data, ignore_errors=True)
            server = start_checkout(source, PORTS["ingest"], data, log)
            try:
                rounds.setdefault(name, []).append(measure_import(server, files[0].parent, 4, source))
            finally:
                server.stop()
    return {name: max(found, key=lambda r: r["uploads_per_s"]) for name, found in rounds.items()}


def mixed_run(server: Server, script: Path, target: int, chunk: float) -> list[dict[str, float]]:
    tree = ProcessTree(server.pids)
    rows, total = [], 0
    rows.append({"requests": 0, "rss_mb": tree.rss_bytes() / 2**20, "peak_mb": tree.rss_bytes() / 2**20})
    while total < target:
        point = run(server.name, "mixed", server.base, script, 16, chunk, tree)
        total += point.requests
        rows.append({"requests": total, "rss_mb": tree.rss_bytes() / 2**20, "peak_mb": point.peak_rss_mb,
                     "rps": point.rps, "errors": point.errors})
        print(f"  mixed: {total} requests, RSS {rows[-1]['rss_mb']:.0f} MB", flush=True)
    return rows


def main() -> int:
    args = parse_args()
    wanted = [w.strip() for w in args.workloads.split(",") if w.strip()]
    levels = [int(c) for c in args.concurrency.split(",")]
    WORK.mkdir(exist_ok=True)
    info = machine()
    sources = write_sources(WORK / "sources")
    data_dir = WORK / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    log = WORK / "servers.log"
    log.write_text("")
    results: dict[str, object] = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}}

    print("floors (in-process pyvips, djpeg)...", flush=True)
    results["floors"] = pyvips_floors(sources)
    results["shrink8_ms"] = shrink8_floor(sources["big"])
    results["djpeg_ms"] = djpeg_floor(sources["big"])

    print("upload cost...", flush=True)
    results["uploads"] = measure_uploads(sources, data_dir, log)
    if args.ingest:
        print("ingest...", flush=True)
        results["ingest"] = measure_ingest(sources["big"], args.ingest, args.ingest_baseline, log)

    servers: list[Server] = []
    try:
        extra = dict(item.split("=", 1) for item in args.env)
        extra["preload"] = args.preload
        pyr = start_imgorigin("imgorigin", PORTS["pyramid"], data_dir, log, **{"cache_size": "0", **extra})
        servers.append(pyr)
        nopyr = start_imgorigin("imgorigin, no pyramid", PORTS["no_pyramid"], data_dir, log,
                                **{"cache_size": "0", **extra, "pyramid": "0"})
        servers.append(nopyr)
        token = account(pyr.base)
        ids: dict[str, list[str]] = {}
        for key, path in sources.items():
            ids[key] = [upload(pyr.base, token, path)[0] for _ in range(args.copies)]
        # Every render below must find the levels its upload left for later.
        wait_complete(pyr.base, token, [image_id for group in ids.values() for image_id in group])
        thumbor = None
        if not args.no_thumbor:
            root = prepare_thumbor_root(sources, args.copies)
            thumbor = start_thumbor_farm(root, list(PORTS["thumbor"]), PORTS["thumbor_front"], log)
            servers.append(thumbor)
            results["thumbor_version"] = thumbor_version()
        sharp = None
        modules = None if args.no_sharp else ensure_sharp()
        if modules is not None:
            sharp = start_sharp(prepare_thumbor_root(sources, args.copies), PORTS["sharp"], modules, log)
            servers.append(sharp)
            results["sharp_version"] = sharp_version(modules)

        points: list[Point] = []
        outputs: dict[str, dict[str, dict[str, object]]] = {}
        for key in (k for k in "abcd" if k in wanted):
            workload = WORKLOADS[key]
            paths = [workload.imgorigin.format(id=i) for i in ids[workload.source]]
            script_io = write_script(paths, WORK / f"{key}-imgorigin.lua")
            targets: list[tuple[Server, Path]] = [(pyr, script_io)]
            if key in ("a", "d"):
                targets.append((nopyr, script_io))
            sample = {pyr.name: fetch(pyr.base + paths[0]), nopyr.name: fetch(nopyr.base + paths[0])}
            if thumbor is not None and workload.thumbor:
                names = [f"{workload.source}_{n:02d}{EXT[workload.source]}" for n in range(args.copies)]
                thumbor_paths = [workload.thumbor.format(name=name) for name in names]
                targets.append((thumbor, write_script(thumbor_paths, WORK / f"{key}-thumbor.lua")))
                sample[thumbor.name] = fetch(thumbor.base + thumbor_paths[0])
            if sharp is not None:
                names = [f"{workload.source}_{n:02d}{EXT[workload.source]}" for n in range(args.copies)]
                sharp_paths = [f"/{key}/{name}" for name in names]
                targets.append((sharp, write_script(sharp_paths, WORK / f"{key}-sharp.lua")))
                sample[sharp.name] = fetch(sharp.base + sharp_paths[0])
            outputs[key] = {
                name: {"bytes": len(data), **fidelity(key, data, sources[workload.source])}
                for name, data in sample.items()
            }
            (WORK / "outputs").mkdir(exist_ok=True)
            for name, data in sample.items():
                (WORK / "outputs" / f"{key}-{name.replace(' ', '_').replace(',', '')}").write_bytes(data)
            for concurrency in levels:
                # Rounds alternate the servers; each keeps its best round: other load on a shared
                # machine only ever slows a round down.
                rounds: dict[str, list[Point]] = {}
                for _ in range(args.repeat):
                    for server, script in targets:
                        rounds.setdefault(server.name, []).append(run(
                            server.name, key, server.base, script, concurrency, args.duration,
                            ProcessTree(server.pids)))
                for server, _script in targets:
                    point = max(rounds[server.name], key=lambda p: p.rps)
                    points.append(point)
                    print(f"  {key} c{concurrency:<3} {server.name:<24} {point.rps:8.1f} req/s  "
                          f"p50 {point.p50_ms:7.1f} ms  cpu {point.cpu_ms:6.1f} ms/req  "
                          f"rss {point.peak_rss_mb:5.0f} MB  errors {point.errors}", flush=True)
        results["outputs"] = outputs

        if "e" in wanted or "f" in wanted:
            cache = start_imgorigin("imgorigin cache hits", PORTS["cache"], data_dir, log, pyramid="1")
            servers.append(cache)
            hit_path = WORKLOADS["e"].imgorigin.format(id=ids["big"][0])
            script = write_script([hit_path], WORK / "hits.lua")
            fetch(cache.base + hit_path)
            tiers: list[tuple[str, Server, list[int]]] = []
            if "e" in wanted:
                tiers.append(("e", cache, cache.pids))
                bare = start_bare_uvicorn(PORTS["bare"], log)
                servers.append(bare)
                tiers.append(("e", bare, bare.pids))
            if "f" in wanted:
                front = start_nginx_cache(cache.base, PORTS["nginx"])
                servers.append(front)
                fetch(front.base + hit_path)
                tiers.append(("f", front, front.pids))
            for key, server, pids in tiers:
                for concurrency in levels:
                    point = max((run(server.name, key, server.base, script, concurrency, args.duration,
                                     ProcessTree(pids), threads=2) for _ in range(args.repeat)),
                                key=lambda p: p.rps)
                    points.append(point)
                    print(f"  {key} c{concurrency:<3} {server.name:<24} {point.rps:8.1f} req/s  "
                          f"p99 {point.p99_ms:6.2f} ms  errors {point.errors}", flush=True)
        results["points"] = [asdict(p) for p in points]

        if args.mixed > 0:
            paths = []
            for n in range(args.copies):
                for key in MIX:
                    workload = WORKLOADS[key]
                    paths.append(workload.imgorigin.format(id=ids[workload.source][n % len(ids[workload.source])]))
            print("mixed RSS run...", flush=True)
            results["mixed"] = mixed_run(pyr, write_script(paths, WORK / "mixed.lua"), args.mixed, 15.0)
    finally:
        for server in reversed(servers):
            server.stop()

    results["machine_end_load"] = Path("/proc/loadavg").read_text().strip()
    (WORK / "results.json").write_text(json.dumps(results, indent=2, default=str))
    write_report(results, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
