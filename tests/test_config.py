"""Settings: environment parsing, validation, generated secrets, redaction."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from imgorigin.config import Settings, SettingsError, describe
from imgorigin.environment import load_settings


def test_defaults_generate_secrets_once(tmp_path: Path) -> None:
    env = {"IMGORIGIN_DATA_DIR": str(tmp_path / "d")}
    first = load_settings(env)
    second = load_settings(env)
    assert first.jwt_secret == second.jwt_secret and len(first.jwt_secret) >= 32
    assert first.url_secret == second.url_secret and len(first.url_secret) == 1
    for name in ("jwt.key", "url.key"):
        mode = stat.S_IMODE((tmp_path / "d" / "secrets" / name).stat().st_mode)
        assert mode == 0o600
    assert first.data_dir == (tmp_path / "d").resolve()


def test_secrets_from_environment_and_rotation_list(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "IMGORIGIN_DATA_DIR": str(tmp_path),
            "IMGORIGIN_JWT_SECRET": "j" * 40,
            "IMGORIGIN_URL_SECRET": "new-secret-0123456789, old-secret-0123456789",
            "IMGORIGIN_KEY_SECRET": "k" * 40,
        }
    )
    assert settings.url_secret == ("new-secret-0123456789", "old-secret-0123456789")
    assert settings.signing_secret == "new-secret-0123456789"
    assert not (tmp_path / "secrets").exists()


def test_repr_redacts_secrets(tmp_path: Path) -> None:
    settings = load_settings({"IMGORIGIN_DATA_DIR": str(tmp_path), "IMGORIGIN_JWT_SECRET": "s" * 40})
    text = repr(settings)
    assert "s" * 40 not in text
    assert settings.url_secret[0] not in text
    assert "jwt_secret='<redacted>'" in text


def test_typed_values(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "IMGORIGIN_DATA_DIR": str(tmp_path),
            "IMGORIGIN_CACHE_SIZE": "512M",
            "IMGORIGIN_ALLOW_UNSIGNED": "yes",
            "IMGORIGIN_ALLOW_SHORT_SIGNATURES": "1",
            "IMGORIGIN_MAX_SOURCE_PIXELS": "1000000",
        }
    )
    assert settings.cache_size == 512 * 1024**2
    assert settings.allow_unsigned and settings.allow_short_signatures
    assert settings.max_source_pixels == 1_000_000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IMGORIGIN_CACHE_SIZE": "lots"}, "invalid IMGORIGIN_CACHE_SIZE"),
        ({"IMGORIGIN_ALLOW_UNSIGNED": "maybe"}, "invalid IMGORIGIN_ALLOW_UNSIGNED"),
        ({"IMGORIGIN_JWT_SECRET": "short"}, "IMGORIGIN_JWT_SECRET must be at least 32 bytes"),
        ({"IMGORIGIN_URL_SECRET": "tiny"}, "every IMGORIGIN_URL_SECRET must be at least 16 bytes"),
        ({"IMGORIGIN_STORAGE": "ftp"}, "IMGORIGIN_STORAGE must be local or s3"),
        ({"IMGORIGIN_MAX_COMPONENTS": "0"}, "IMGORIGIN_MAX_COMPONENTS must be positive"),
        ({"IMGORIGIN_CACHE_SIZE": "-1"}, "IMGORIGIN_CACHE_SIZE must be 0 (off) or positive"),
        # Its origin goes into the pages' CSP: nothing that could add or bend a directive.
        ({"IMGORIGIN_PUBLIC_URL": "img.example.com"}, "IMGORIGIN_PUBLIC_URL must be http"),
        ({"IMGORIGIN_PUBLIC_URL": "https://img.example.com; script-src *"}, "IMGORIGIN_PUBLIC_URL must be"),
        ({"IMGORIGIN_PUBLIC_URL": "javascript://x"}, "IMGORIGIN_PUBLIC_URL must be"),
        ({"IMGORIGIN_PUBLIC_URL": "https://a.example 'unsafe-inline'"}, "IMGORIGIN_PUBLIC_URL must be"),
    ],
)
def test_invalid_settings_fail_loudly(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings({"IMGORIGIN_DATA_DIR": str(tmp_path), **env})


def test_every_setting_is_described() -> None:
    rows = describe()
    assert len(rows) == len(Settings.__dataclass_fields__)
    assert all(name.startswith("IMGORIGIN_") and help_text for name, _, help_text in rows)


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings({"IMGORIGIN_DATA_DIR": str(tmp_path)})
    with pytest.raises(AttributeError):
        settings.cache_size = 1  # type: ignore[misc]
