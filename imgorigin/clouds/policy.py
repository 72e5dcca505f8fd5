"""Unsigned URLs in Cloudinary's layouts, per account: ``strict``, ``allowlist`` or ``open``.

- ``strict`` (the default): a URL needs a signature unless it is made only of named transformations
  declared safe for unsigned use (the presets file's ``unsigned: true``, the account's
  ``allowed_for_strict``): Cloudinary's "strict transformations".
- ``allowlist``: also any URL made only of named transformations, and the transformations the account
  created eagerly or allowed explicitly (compared in canonical form, so parameter order does not matter).
- ``open``: Cloudinary's default, any transformation, with two brakes on a crawler: new renders per
  client IP per minute (``IMGORIGIN_UNSIGNED_RENDER_RATE``) and distinct derivatives per image per day
  (``IMGORIGIN_UNSIGNED_VARIANTS_PER_DAY``), both counted per host and only on a cache miss.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from imgorigin.clouds.state import AccountState
from imgorigin.config import Settings
from imgorigin.errors import TooManyRequests, Unauthorized
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.presets import Presets

DAY = 86400


def _only_named(transformation: str, names: set[str] | None) -> bool:
    """Whether every component is ``t_<name>`` (with ``name`` in ``names``, unless ``names`` is None)."""
    if not transformation:
        return False
    for component in transformation.split("/"):
        if not component.startswith("t_") or "," in component:
            return False
        if names is not None and component[2:] not in names:
            return False
    return True


def signature_required() -> Unauthorized:
    return Unauthorized("This URL needs a signature (s--...--)", code="signature_required")


def canonical_or_none(transformation: str, presets: Presets, limits: Limits) -> str | None:
    try:
        return parse(presets.expand(transformation), limits).canonical()
    except Exception:
        return None


def check_unsigned(settings: Settings, account: AccountState, presets: Presets, limits: Limits,
                   transformation: str) -> str:
    """The policy under which an unsigned URL may be served (``strict`` and ``allowlist`` only pass
    what they allow; ``open`` passes everything and asks the caller to apply ``open_brakes`` on a miss)."""
    policy = account.unsigned or settings.unsigned_policy
    safe = {name for name, preset in presets.items if preset.unsigned}
    if settings.allow_unsigned or _only_named(transformation, safe):
        return "strict"
    if policy == "open":
        return "open"
    if policy == "allowlist":
        if _only_named(transformation, {name for name, _ in presets.items}):
            return "allowlist"
        allowed = set(account.allowed)
        if transformation in allowed or canonical_or_none(transformation, presets, limits) in allowed:
            return "allowlist"
    raise signature_required()


def open_brakes(settings: Settings, limiter: RateLimiter, client_ip: str, image_id: str) -> Callable[[str], None]:
    """What an unsigned render under the ``open`` policy must pass on a cache miss (given the cache key)."""

    def check(cache_key: str) -> None:
        wait = limiter.take(f"unsigned-render:{client_ip}", settings.unsigned_render_rate)
        if wait is not None:
            raise TooManyRequests("Too many new unsigned renders; retry shortly", retry_after=max(1, round(wait)))
        day = int(time.time() // DAY)
        if not limiter.remember(f"variants:{image_id}:{day}", cache_key, settings.unsigned_variants_per_day, DAY):
            raise TooManyRequests(
                f"This image already has {settings.unsigned_variants_per_day} unsigned derivatives today; "
                "sign the URL", retry_after=DAY - int(time.time()) % DAY,
            )

    return check
