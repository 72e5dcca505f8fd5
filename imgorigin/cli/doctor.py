"""``imgorigin doctor [--fix]``: the command line of ``imgorigin.services.doctor``."""

from __future__ import annotations

import argparse

from imgorigin.environment import local_settings
from imgorigin.services.doctor import ALWAYS_ALLOWED, DEFAULT_GRACE, DEFAULT_MAX_LOSS, run


def cmd_doctor(args: argparse.Namespace) -> int:
    settings = local_settings(args.data_dir)
    return run(settings, fix=args.fix, grace=args.grace, max_loss=args.max_loss, force=args.force)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    doctor = sub.add_parser("doctor", help="check originals, rows, spool and cache for consistency")
    doctor.add_argument("--fix", action="store_true", help="repair what is found")
    doctor.add_argument("--grace", type=float, default=DEFAULT_GRACE,
                        help=f"seconds a file without a row may be an upload in flight (default {DEFAULT_GRACE:g})")
    doctor.add_argument("--max-loss", type=float, default=DEFAULT_MAX_LOSS,
                        help=f"largest share of rows (or originals) --fix may take out beyond {ALWAYS_ALLOWED} "
                             f"(default {DEFAULT_MAX_LOSS:g})")
    doctor.add_argument("--force", action="store_true",
                        help="repair even when the storage or the database looks absent, or past --max-loss")
    doctor.add_argument("--data-dir", help="same as IMGORIGIN_DATA_DIR")
    doctor.set_defaults(func=cmd_doctor)
