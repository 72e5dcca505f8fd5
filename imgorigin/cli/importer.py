"""``imgorigin import``: the command line of the importer."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from imgorigin.importer.client import Account, Api, ApiError
from imgorigin.importer.journal import Journal
from imgorigin.importer.run import run_import
from imgorigin.importer.sources import from_account, from_folder, from_list

EPILOG = """examples:
  imgorigin import --to cloudinary://KEY:SECRET@mysite --to-prefix https://img.example.com ./photos
  imgorigin import --to ... --list images.csv          (rows: public_id,url or public_id,path)
  CLOUDINARY_URL=cloudinary://KEY:SECRET@oldsite imgorigin import --to ... --from-cloudinary
Run it again after an interruption: what is already there is skipped."""


def cmd_import(args: argparse.Namespace) -> int:
    to = args.to or os.environ.get("IMGORIGIN_IMPORT_TO", "")
    if not to:
        print("imgorigin import: --to cloudinary://KEY:SECRET@CLOUD is required", file=sys.stderr)
        return 2
    chosen = [args.folder is not None, args.list is not None, args.from_cloudinary is not None]
    if sum(chosen) != 1:
        print("imgorigin import: name one source: a folder, --list FILE or --from-cloudinary", file=sys.stderr)
        return 2
    try:
        with contextlib.ExitStack() as stack:
            target = stack.enter_context(Api(Account.parse(to, args.to_prefix)))
            if args.folder is not None:
                if not args.folder.is_dir():
                    raise ApiError(f"{args.folder} is not a folder")
                items: Any = from_folder(args.folder)
            elif args.list is not None:
                items = from_list(args.list)
            else:
                source_url = args.from_cloudinary or os.environ.get("CLOUDINARY_URL", "")
                items = from_account(stack.enter_context(Api(Account.parse(source_url, args.from_prefix))))
            journal = stack.enter_context(Journal(args.state))
            report = run_import(items, target, journal, workers=args.workers, eager=args.eager)
            journal.write_map(args.map)
    except (ApiError, ValueError, OSError) as exc:
        print(f"imgorigin import: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    print(f"map of what is stored: {args.map}")
    return 1 if report.failed else 0


def register(sub: Any) -> None:
    parser = sub.add_parser("import", help="bring a library across (folder, list or another account)",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, help="a folder tree: relative path -> public id")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--list", type=Path, help="a CSV or JSON list of public_id,url or public_id,path")
    source.add_argument("--from-cloudinary", nargs="?", const="", metavar="URL",
                        help="another account, cloudinary://KEY:SECRET@CLOUD (default: $CLOUDINARY_URL)")
    parser.add_argument("--from-prefix", help="the source's API base URL (default https://api.cloudinary.com)")
    parser.add_argument("--to", help="the target account, cloudinary://KEY:SECRET@CLOUD ($IMGORIGIN_IMPORT_TO)")
    parser.add_argument("--to-prefix", help="the target's API base URL, e.g. https://img.example.com")
    parser.add_argument("--eager", default="", help="transformations to render during the import, '|'-separated")
    parser.add_argument("--workers", type=int, default=4, help="images in flight at once (default 4)")
    parser.add_argument("--state", type=Path, default=Path("imgorigin-import.jsonl"),
                        help="journal that makes the import resumable (default ./imgorigin-import.jsonl)")
    parser.add_argument("--map", type=Path, default=Path("imgorigin-import.json"),
                        help="JSON map of what was stored, written at the end (default ./imgorigin-import.json)")
    parser.set_defaults(func=cmd_import)
