"""The ``imgorigin`` command: run the server and administer it. Client commands live in ``remote``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from imgorigin.config import SettingsError, describe
from imgorigin.environment import load_settings, local_settings

UNSIGNED_WARNING = """
  ************************************************************************
  *  WARNING: IMGORIGIN_ALLOW_UNSIGNED is on. Anyone can request any     *
  *  transformation of any image. Use this for development and           *
  *  benchmarks only, never on a public server.                          *
  ************************************************************************
"""


ALLOCATOR_ENV = {
    # Fewer glibc arenas keep the RSS of libvips' worker threads flat.
    "MALLOC_ARENA_MAX": "2",
    # A fixed mmap threshold: pixel buffers over 128 KB go back to the system when freed instead of
    # fragmenting the heap (glibc raises the threshold after each free otherwise). Mixed renders at
    # concurrency 16: 390-422 MB -> 304-326 MB for the tree, CPU within noise (docs/performance.md).
    "MALLOC_MMAP_THRESHOLD_": "131072",
}


def _apply_allocator_settings(argv: Sequence[str]) -> None:
    """glibc reads these once, when a process starts: setting them in a running process only reaches its
    children (uvicorn's workers), never the process itself (``--workers 1``). So set what is missing and
    start this command again in place (same PID); a value given by the operator is kept."""
    missing = {name: value for name, value in ALLOCATOR_ENV.items() if name not in os.environ}
    if missing:
        os.environ.update(missing)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "imgorigin", *argv])


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from imgorigin.ops.protocol import BOUNDED
    from imgorigin.state.datadir import initialise

    _apply_allocator_settings(args.argv)
    if args.data_dir:
        os.environ["IMGORIGIN_DATA_DIR"] = args.data_dir
    os.umask(0o077)  # database, secrets, originals and cache private to the service user (workers inherit it)
    settings = load_settings()  # validates, and generates the secrets once before workers start
    initialise(settings)  # directories, migrations and shared caches once, before the workers race for them
    if settings.allow_unsigned:
        print(UNSIGNED_WARNING, file=sys.stderr)
    host_for_humans = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base = f"http://{host_for_humans}:{args.port}"
    print(f"""imgorigin {_version()} on {base}  (data in {settings.data_dir}, {args.workers} workers)

Next:
  curl -s -X POST {base}/register -H 'Content-Type: application/json' \\
       -d '{{"username":"me","password":"a long password"}}'
  export TOKEN=...   # the "token" from that answer
  curl -s -X POST {base}/images -H "Authorization: Bearer $TOKEN" -F file=@photo.jpg
  # then open the "url" it returns, or POST /images/<id>/transform; see README.md
""", flush=True)
    uvicorn.run(
        "imgorigin.asgi:create_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level,
        access_log=False,
        # One cap on the request head for either protocol: h11 reads it directly, the bounded httptools
        # protocol reads it from the same field (imgorigin/ops/protocol.py).
        http=BOUNDED if args.http == "httptools" else "h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )
    return 0


def _version() -> str:
    from imgorigin import __version__

    return __version__


def cmd_sign(args: argparse.Namespace) -> int:
    from imgorigin.client.urls import UrlBuilder
    from imgorigin.transform.exprplan import parse_any
    from imgorigin.transform.presets import Presets
    from imgorigin.transform.values import parse_output_format

    settings = local_settings(args.data_dir)
    transformation = "" if args.transformation in ("", "-") else args.transformation
    parse_any(Presets.load(settings.presets_file).expand(transformation))
    extension = parse_output_format(args.format).value
    print(UrlBuilder(settings.signing_secret, args.base or settings.public_url).url(args.id, transformation, extension))
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    for name, default, help_text in describe():
        print(f"{name:<40} {default:<14} {help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imgorigin", description="Self-hosted image transformation origin.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: CPUs)")
    serve.add_argument("--data-dir", help="same as IMGORIGIN_DATA_DIR")
    serve.add_argument("--http", choices=("httptools", "h11"), default="httptools",
                       help="HTTP/1.1 parser (default httptools, the faster; both cap the head at MAX_HEADER_BYTES)")
    serve.set_defaults(func=cmd_serve)

    sign = sub.add_parser("sign", help="print a signed delivery URL")
    sign.add_argument("id")
    sign.add_argument("transformation", help="e.g. c_fill,w_400,h_300/e_grayscale ('' or - for none)")
    sign.add_argument("--format", default="jpg")
    sign.add_argument("--base", default="", help="base URL (default IMGORIGIN_PUBLIC_URL, else a path)")
    sign.add_argument("--data-dir", help="same as IMGORIGIN_DATA_DIR")
    sign.set_defaults(func=cmd_sign)

    settings = sub.add_parser("settings", help="list every setting with its default")
    settings.set_defaults(func=cmd_settings)

    for register in _EXTENSIONS:
        register(sub)
    return parser


# Other modules add their subcommands here (doctor, models, client commands).
_EXTENSIONS: list = []  # type: ignore[type-arg]


def _load_extensions() -> None:
    import importlib

    for name in ("imgorigin.cli.users", "imgorigin.cli.doctor", "imgorigin.cli.models", "imgorigin.cli.remote",
                 "imgorigin.cli.upload", "imgorigin.cli.pyramid", "imgorigin.cli.clouds", "imgorigin.cli.importer"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        if module.register not in _EXTENSIONS:
            _EXTENSIONS.append(module.register)


def main(argv: Sequence[str] | None = None) -> int:
    from imgorigin.errors import ImgOriginError

    _load_extensions()
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # serve starts itself again with these
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"imgorigin: {exc.message}", file=sys.stderr)
        return 2
    except ImgOriginError as exc:
        print(f"imgorigin: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
