"""Saved logins of the client commands: one profile per server (``--profile``), in one file, mode 0600.

``$IMGORIGIN_CONFIG_DIR/credentials.json`` (default ``~/.config/imgorigin``) holds
``{"profiles": {"default": {"server": ..., "username": ..., "token": ...}, "staging": {...}}}``. A file
written before profiles existed (one flat login) reads as the ``default`` profile.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class ClientError(Exception):
    """A failure to explain to the person at the terminal, in one line."""


def config_dir() -> Path:
    explicit = os.environ.get("IMGORIGIN_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "imgorigin"


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def profile_name(explicit: str | None) -> str:
    name = explicit or os.environ.get("IMGORIGIN_PROFILE") or DEFAULT_PROFILE
    if not _PROFILE_NAME.fullmatch(name):
        raise ClientError(f"--profile: {name!r} is not a profile name (letters, digits, '.', '_' and '-')")
    return name


def _strings(values: Any) -> dict[str, str]:
    return {k: v for k, v in values.items() if isinstance(v, str)} if isinstance(values, dict) else {}


def load_profiles() -> dict[str, dict[str, str]]:
    path = credentials_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        raise ClientError(f"{path} is not valid JSON; run imgorigin login") from None
    if not isinstance(data, dict):
        raise ClientError(f"{path} is not a credentials file; run imgorigin login")
    if "profiles" not in data:
        legacy = _strings(data)
        return {DEFAULT_PROFILE: legacy} if legacy else {}
    profiles = data["profiles"] if isinstance(data["profiles"], dict) else {}
    return {name: _strings(values) for name, values in profiles.items() if _PROFILE_NAME.fullmatch(str(name))}


def load_profile(name: str) -> dict[str, str]:
    return load_profiles().get(name, {})


def _write(profiles: dict[str, dict[str, str]]) -> Path:
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = credentials_path()
    temporary = path.with_suffix(".tmp")
    # Created 0600 from the start: a token must never be readable by others, not even briefly.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"profiles": profiles}, handle, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


def save_profile(name: str, values: dict[str, str]) -> Path:
    return _write({**load_profiles(), name: values})


def forget_profile(name: str) -> bool:
    """Drop one profile (the file goes when it was the last); False if there was none by that name."""
    profiles = load_profiles()
    if profiles.pop(name, None) is None:
        return False
    if profiles:
        _write(profiles)
    else:
        credentials_path().unlink(missing_ok=True)
    return True
