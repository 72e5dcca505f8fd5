"""``imgorigin pyramid build``: add the levels missing from originals stored before the pyramid existed
(``imgorigin.services.pyramid.build_missing``)."""

from __future__ import annotations

import argparse


def cmd_build(args: argparse.Namespace) -> int:
    from imgorigin.environment import local_settings
    from imgorigin.services.pyramid import build_missing
    from imgorigin.services.wiring import Services
    from imgorigin.transform.levels import PyramidPolicy

    settings = local_settings(args.data_dir)
    services = Services.build(settings)
    try:
        seen, written = build_missing(
            services.storage, services.source_limits, services.pyramid or PyramidPolicy(),
            settings.data_dir / "tmp", force=args.force,
        )
    finally:
        services.close()
    print(f"{seen} originals checked, {written} levels written")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pyramid = sub.add_parser("pyramid", help="upload-time reduced levels of big originals")
    pyramid_sub = pyramid.add_subparsers(dest="pyramid_command", required=True)
    build = pyramid_sub.add_parser("build", help="add the levels missing from originals stored before them")
    build.add_argument("--force", action="store_true", help="rebuild levels that exist already")
    build.add_argument("--data-dir", help="same as IMGORIGIN_DATA_DIR")
    build.set_defaults(func=cmd_build)
