"""Settings: one frozen object, read from ``IMGORIGIN_*`` environment variables once at start-up.

Every field has a default and a one-line description (``imgorigin settings`` prints them all) and is
checked by ``validate``. Secrets are never logged: the settings' ``repr`` redacts them. Reading them
from the environment, and generating the missing secrets, is ``imgorigin.environment``'s work.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgorigin.errors import ImgOriginError

ENV_PREFIX = "IMGORIGIN_"
MIN_SECRET_BYTES = 32  # HS256 deserves at least 256 bits of key
# URL secrets may be a migrated Cloudinary API secret (27 characters), so their floor is lower.
MIN_URL_SECRET_BYTES = 16
# Its origin goes into the pages' CSP: nothing but a scheme, a host name or address, a port and a path.
_PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?")
ROLES = ("all", "control", "render")


class SettingsError(ImgOriginError):
    code = "invalid_settings"


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected 1/0, true/false, yes/no or on/off, got {raw!r}")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _size(raw: str) -> int:
    """Bytes, with an optional K/M/G suffix (powers of 1024)."""
    text = raw.strip().upper().removesuffix("B")
    factor = 1
    for suffix, multiplier in (("K", 1024), ("M", 1024**2), ("G", 1024**3)):
        if text.endswith(suffix):
            text, factor = text[:-1], multiplier
            break
    return int(float(text) * factor)


def _optional_path(raw: str) -> Path | None:
    return Path(raw) if raw.strip() else None


def setting(default: Any, help: str, parse: Callable[[str], Any] | None = None, secret: bool = False) -> Any:
    return field(default=default, repr=not secret, metadata={"help": help, "parse": parse, "secret": secret})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = setting(Path("data"), "directory for the database, originals, derived cache and secrets", Path)
    public_url: str = setting("", "base URL put in front of signed URLs in API answers (default: the request's)")
    jwt_secret: str = setting("", "HS256 key for API tokens (generated into the data directory if unset)", secret=True)
    url_secret: tuple[str, ...] = setting(
        (), "URL-signing secrets, comma-separated: the first signs, all verify (rotation)", _csv, secret=True
    )
    key_secret: str = setting(
        "", "derives every account's API secrets; shared by all nodes (generated into the data directory if unset)",
        secret=True,
    )
    role: str = setting("all", "what this node serves: all, control (API, playground) or render (delivery only)")
    default_cloud: str = setting("", "the account served at /image/upload/... (a CNAME or private-CDN host)")
    unsigned_policy: str = setting(
        "strict", "unsigned URLs in Cloudinary's layouts, unless the account chose: strict, allowlist or open"
    )
    unsigned_render_rate: float = setting(
        30.0, "new unsigned renders per minute per client IP under the open policy (0: unlimited)", float
    )
    unsigned_variants_per_day: int = setting(
        50, "distinct unsigned derivatives of one image per day under the open policy (0: unlimited)", int
    )
    fetch_allowed_hosts: tuple[str, ...] = setting(
        (), "hosts the fetch delivery type may read from: host, host:port, *.domain or * (empty: fetch off)", _csv
    )
    fetch_max_bytes: int = setting(20 * 1024**2, "largest remote image the fetch delivery type reads", _size)
    fetch_timeout: float = setting(10.0, "seconds a remote fetch may take in all", float)
    fetch_refresh: float = setting(7 * 86400.0, "seconds before a fetched image is fetched again", float)
    state_ttl: float = setting(
        10.0, "seconds a render node keeps an account's published state (keys, policy, public ids)", float
    )
    jwt_ttl: int = setting(86400, "lifetime of an API token in seconds", int)
    bcrypt_rounds: int = setting(12, "bcrypt cost factor for password hashes (4-16)", int)
    allow_short_signatures: bool = setting(False, "also accept Cloudinary's 8-character SHA-1 signatures", _bool)
    allow_unsigned: bool = setting(False, "serve unsigned delivery URLs (development and benchmarks only)", _bool)
    cache_size: int = setting(2 * 1024**3, "size cap of the derived-image cache in bytes (0 turns it off)", _size)
    min_free_disk: int = setting(
        512 * 1024**2, "free bytes kept on the data directory's disk: below it uploads and sign-ups answer 507, "
        "/readyz is not ready and the derived cache shrinks", _size,
    )
    max_upload_bytes: int = setting(32 * 1024**2, "largest accepted upload body in bytes", _size)
    max_header_bytes: int = setting(
        64 * 1024, "largest request line plus headers in bytes (431 beyond it, before anything is parsed)", _size
    )
    max_source_pixels: int = setting(50_000_000, "largest accepted source image, width x height", int)
    max_source_side: int = setting(30_000, "largest accepted source width or height", int)
    max_frames: int = setting(500, "most frames accepted in an animated source", int)
    max_animation_pixels: int = setting(200_000_000, "budget of frames x width x height for animated sources", int)
    max_output_side: int = setting(8192, "largest width or height a transformation may produce", int)
    max_output_pixels: int = setting(40_000_000, "largest width x height a transformation may produce", int)
    max_components: int = setting(12, "most chained components in one transformation", int)
    render_concurrency: int = setting(0, "renders running at once per worker (0: the number of CPUs)", int)
    avif_concurrency: int = setting(1, "AVIF encodes at once per worker (the heaviest in memory and CPU)", int)
    render_queue: int = setting(
        64, "renders allowed to wait for a slot before the origin answers 503 (0: none wait)", int
    )
    render_timeout: float = setting(
        30.0, "seconds a render may take, every phase included, before it is abandoned (504)", float
    )
    max_render_cost: float = setting(
        400.0, "megapixel passes a render may cost, estimated from sizes before it starts (0: no limit)", float
    )
    render_memory: int = setting(
        256 * 1024**2, "bytes of in-memory pixel copies one render, and all renders of a worker together, may hold",
        _size,
    )
    render_failure_ttl: float = setting(
        60.0, "seconds a render that failed for good (4xx, timeout) is answered from memory, not re-run", float
    )
    storage: str = setting("local", "where originals live: local or s3")
    s3_endpoint: str = setting("", "S3/MinIO endpoint as host:port")
    s3_bucket: str = setting("imgorigin", "bucket for originals")
    s3_access_key: str = setting("", "S3 access key", secret=True)
    s3_secret_key: str = setting("", "S3 secret key", secret=True)
    s3_region: str = setting("", "S3 region (empty: the server's default)")
    s3_secure: bool = setting(True, "use TLS to talk to the S3 endpoint", _bool)
    s3_timeout: float = setting(
        5.0, "seconds to connect to, or hear back from, the S3 endpoint before answering 503", float
    )
    s3_retries: int = setting(1, "extra attempts after an S3 connection error or 5xx (short backoff)", int)
    eager_concurrency: int = setting(
        1, "eager derivations and upload jobs (pyramid levels) at once per worker (0: none on this node)", int)
    eager_pending: int = setting(100, "eager derivations one user may have waiting; uploads asking more get 429", int)
    eager_via: str = setting(
        "", "base URL eager work is fetched through (the nginx/CDN in front of render nodes); empty: render here"
    )
    render_rate: float = setting(120.0, "uncached renders per minute per client network (0: unlimited)", float)
    transform_rate: float = setting(
        300.0, "renders a user starts per minute: POST /images/{id}/transform and eager jobs (0: unlimited)", float
    )
    login_rate: float = setting(10.0, "failed logins per minute per (username, client network) (0: unlimited)", float)
    login_ip_rate: float = setting(
        30.0, "failed logins per minute per client network, whatever the username (0: unlimited)", float
    )
    register_rate: float = setting(20.0, "accounts created per hour per client network (0: unlimited)", float)
    upload_rate: float = setting(600.0, "uploads per minute per user (0: unlimited)", float)
    user_quota: int = setting(0, "bytes of originals one user may store (0: unlimited)", _size)
    registration: str = setting(
        "open", "who may create accounts: open, closed (CLI or an admin only) or invite (with a code)"
    )
    admin_api_rate: int = setting(
        500, "Cloudinary Admin API calls per hour per account (X-FeatureRateLimit-*; 0: unlimited)", int
    )
    model_dir: Path = setting(
        Path("models"), "directory of the background-removal model (imgorigin models install)", Path
    )
    bg_removal_concurrency: int = setting(1, "background removals at once per worker (each uses a core)", int)
    bg_removal_warm: bool = setting(
        True, "load the background-removal model at start-up when installed, not on the first request", _bool
    )
    presets_file: Path | None = setting(None, "JSON file of named transformations (t_<name>)", _optional_path)
    cors_origins: tuple[str, ...] = setting((), "origins allowed to call the API from a browser, comma-separated", _csv)
    allow_svg: bool = setting(False, "accept SVG uploads (rasterised with strict caps); off by default", _bool)
    pyramid: bool = setting(True, "store 1/2 and 1/8 levels of big uploads and render small outputs from them", _bool)
    log_level: str = setting("info", "log level: debug, info, warning, error")

    def __repr__(self) -> str:
        shown = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret") and value:
                value = "<redacted>"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def signing_secret(self) -> str:
        return self.url_secret[0]

    @property
    def serves_control(self) -> bool:
        return self.role in ("all", "control")

    @property
    def serves_delivery(self) -> bool:
        return self.role in ("all", "render")

    @property
    def db_path(self) -> Path:
        return self.data_dir / "imgorigin.db"

    @property
    def originals_dir(self) -> Path:
        return self.data_dir / "originals"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def state_dir(self) -> Path:
        """Small shared state of all workers on this host: rate-limit buckets, counters."""
        return self.data_dir / "state"

    @property
    def effective_render_concurrency(self) -> int:
        return self.render_concurrency or os.cpu_count() or 1

    def validate(self) -> Settings:
        problems: list[str] = []
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"IMGORIGIN_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if not self.url_secret:
            problems.append("IMGORIGIN_URL_SECRET must hold at least one secret")
        if any(len(s.encode()) < MIN_URL_SECRET_BYTES for s in self.url_secret):
            problems.append(f"every IMGORIGIN_URL_SECRET must be at least {MIN_URL_SECRET_BYTES} bytes")
        if len(self.key_secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"IMGORIGIN_KEY_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if self.role not in ROLES:
            problems.append("IMGORIGIN_ROLE must be all, control or render")
        if self.unsigned_policy not in ("strict", "allowlist", "open"):
            problems.append("IMGORIGIN_UNSIGNED_POLICY must be strict, allowlist or open")
        if self.unsigned_render_rate < 0 or self.unsigned_variants_per_day < 0:
            problems.append("IMGORIGIN_UNSIGNED_RENDER_RATE and _UNSIGNED_VARIANTS_PER_DAY must not be negative")
        if self.fetch_max_bytes <= 0 or self.fetch_timeout <= 0 or self.fetch_refresh < 0:
            problems.append("IMGORIGIN_FETCH_MAX_BYTES and _TIMEOUT must be positive, _FETCH_REFRESH not negative")
        if self.state_ttl < 0:
            problems.append("IMGORIGIN_STATE_TTL must be 0 or positive")
        if self.registration not in {"open", "closed", "invite"}:
            problems.append("IMGORIGIN_REGISTRATION must be open, closed or invite")
        if self.admin_api_rate < 0:
            problems.append("IMGORIGIN_ADMIN_API_RATE must be 0 (unlimited) or positive")
        if self.storage not in {"local", "s3"}:
            problems.append("IMGORIGIN_STORAGE must be local or s3")
        if self.storage == "s3" and not (self.s3_endpoint and self.s3_access_key and self.s3_secret_key):
            problems.append("IMGORIGIN_STORAGE=s3 needs IMGORIGIN_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY")
        for name in ("max_upload_bytes", "max_source_pixels", "max_source_side", "max_frames",
                     "bg_removal_concurrency", "avif_concurrency",
                     "max_output_side", "max_output_pixels", "max_components", "jwt_ttl", "render_memory"):
            if getattr(self, name) <= 0:
                problems.append(f"IMGORIGIN_{name.upper()} must be positive")
        if self.render_queue < 0:  # 0: nothing waits, a busy node answers 503 at once (a balancer retries)
            problems.append("IMGORIGIN_RENDER_QUEUE must be 0 or positive")
        if not 4 <= self.bcrypt_rounds <= 16:
            problems.append("IMGORIGIN_BCRYPT_ROUNDS must be between 4 and 16")
        if self.cache_size < 0:
            problems.append("IMGORIGIN_CACHE_SIZE must be 0 (off) or positive")
        if self.user_quota < 0:
            problems.append("IMGORIGIN_USER_QUOTA must be 0 (unlimited) or positive")
        if self.s3_timeout <= 0 or self.s3_retries < 0 or self.eager_concurrency < 0:
            problems.append("IMGORIGIN_S3_TIMEOUT must be positive; _S3_RETRIES and _EAGER_CONCURRENCY not negative")
        if self.render_timeout <= 0:
            problems.append("IMGORIGIN_RENDER_TIMEOUT must be positive")
        if self.public_url and not _PUBLIC_URL.fullmatch(self.public_url):
            problems.append("IMGORIGIN_PUBLIC_URL must be http(s)://host[:port][/path], e.g. https://img.example.com")
        if self.max_render_cost < 0 or self.render_failure_ttl < 0 or self.eager_pending < 0:
            problems.append("IMGORIGIN_MAX_RENDER_COST, _RENDER_FAILURE_TTL and _EAGER_PENDING must not be negative")
        if self.min_free_disk < 0:
            problems.append("IMGORIGIN_MIN_FREE_DISK must be 0 (no floor) or positive")
        if self.max_header_bytes < 4096:
            problems.append("IMGORIGIN_MAX_HEADER_BYTES must be at least 4096 (a delivery URL may be 4 KiB)")
        if self.presets_file is not None and not self.presets_file.is_file():
            problems.append(f"IMGORIGIN_PRESETS_FILE {self.presets_file} does not exist")
        if problems:
            raise SettingsError("invalid settings: " + "; ".join(problems))
        return self


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for f in dataclasses.fields(Settings):
        generated = f.metadata.get("secret") and f.name in {"jwt_secret", "url_secret", "key_secret"}
        default = "(generated)" if generated else f.default
        rows.append((ENV_PREFIX + f.name.upper(), str(default), f.metadata["help"]))
    return rows
