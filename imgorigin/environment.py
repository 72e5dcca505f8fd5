"""Reading the settings: ``IMGORIGIN_*`` variables, the data directory, and secrets generated on first run.

Secrets not given in the environment are generated into ``<data_dir>/secrets/`` with mode 0600 (created
with ``O_EXCL``, so workers starting together agree on one value).
"""

from __future__ import annotations

import dataclasses
import os
import secrets as pysecrets
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from imgorigin.config import ENV_PREFIX, Settings, SettingsError


def private_dir(path: Path) -> Path:
    """A directory only the service user may enter (0700), created if missing."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _read_or_create_secret(path: Path) -> str:
    """Read a secret file, creating it with a fresh random value (mode 0600) on first run.

    ``O_EXCL`` makes concurrent first starts of several workers agree on one value.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.02)
        raise SettingsError(f"secret file {path} is empty") from None
    value = pysecrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def load_settings(env: Mapping[str, str] | None = None, *, create: bool = True, **overrides: Any) -> Settings:
    """Build the settings from the environment (and explicit overrides), generate missing secrets, validate.

    ``create=False`` (local commands other than ``serve``) refuses a data directory or a secret file that
    does not exist rather than inventing them: a new secret would sign URLs that the server refuses.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = env.get(ENV_PREFIX + f.name.upper())
        if raw is None:
            continue
        parse = f.metadata["parse"] or str
        try:
            values[f.name] = parse(raw)
        except ValueError as exc:
            raise SettingsError(f"invalid {ENV_PREFIX}{f.name.upper()}: {exc}") from None
    values.update(overrides)
    data_dir = Path(values.get("data_dir", Settings.data_dir)).resolve()
    values["data_dir"] = data_dir
    if create:
        private_dir(data_dir)
    elif not data_dir.is_dir():
        raise SettingsError(
            f"data directory {data_dir} does not exist (set IMGORIGIN_DATA_DIR or --data-dir; "
            "imgorigin serve creates it on first run)"
        )
    for name, variable, file in (
        ("url_secret", "URL_SECRET", "url.key"), ("jwt_secret", "JWT_SECRET", "jwt.key"),
        ("key_secret", "KEY_SECRET", "key.key"),
    ):
        if values.get(name):
            continue
        path = data_dir / "secrets" / file
        if not create and not path.is_file():
            raise SettingsError(f"no {variable[:-7]} secret: {ENV_PREFIX}{variable} is unset and {path} does not exist")
        secret = _read_or_create_secret(path)
        values[name] = (secret,) if name == "url_secret" else secret
    return Settings(**values).validate()


def local_settings(data_dir: str | None = None) -> Settings:
    """The settings of a local command (sign, doctor, user...): an existing data directory, named on stderr."""
    overrides: dict[str, Any] = {"data_dir": Path(data_dir)} if data_dir else {}
    settings = load_settings(None, create=False, **overrides)
    print(f"imgorigin: data directory {settings.data_dir}", file=sys.stderr)
    os.umask(0o077)  # whatever the command writes there stays private to the service user
    return settings
