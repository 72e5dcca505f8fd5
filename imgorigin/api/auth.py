"""``POST /register`` (as ``IMGORIGIN_REGISTRATION`` allows), ``POST /login`` and ``POST /invites``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from imgorigin.api.common import Bearer, in_thread, json_body
from imgorigin.config import Settings
from imgorigin.errors import BadRequest, Forbidden, TooManyRequests, Unauthorized
from imgorigin.http.callers import client_key
from imgorigin.security import check_password_rules, check_username, issue_token
from imgorigin.services.accounts import Accounts
from imgorigin.state.disk import require_space
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.state.records import User


def token_answer(settings: Settings, user: User, status: int) -> JSONResponse:
    token = issue_token(settings.jwt_secret, user.id, user.token_version, settings.jwt_ttl)
    return JSONResponse(
        {"user": user.public(), "token": token, "token_type": "Bearer", "expires_in": settings.jwt_ttl},
        status_code=status,
    )


@dataclass(frozen=True)
class AuthRoutes:
    """Accounts and tokens; a new account is published for render nodes at once (``Accounts.create``)."""

    settings: Settings
    bearer: Bearer
    rate_limiter: RateLimiter
    accounts: Accounts

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/register", self.register, methods=["POST"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/invites", self.invite, methods=["POST"]),
        ]

    async def _registration_allowed(self, request: Request, body: dict[str, object]) -> str | None:
        """Apply IMGORIGIN_REGISTRATION; returns the claimed invite's hash when one was needed."""
        mode = self.settings.registration
        if mode == "open":
            return None
        if request.headers.get("authorization"):
            admin = await self.bearer.user(request)
            if await in_thread(self.accounts.is_admin, admin.id):
                return None
            raise Forbidden("Only an administrator may create accounts for others", code="registration_closed")
        if mode == "closed":
            raise Forbidden("Registration is closed: ask an administrator for an account", code="registration_closed")
        return await in_thread(self.accounts.claim_invite, body.get("invite"))

    async def register(self, request: Request) -> JSONResponse:
        settings = self.settings
        body = await json_body(request)
        username = check_username(body.get("username"))
        password = check_password_rules(body.get("password"))
        # Each account costs a bcrypt hash (about 250 ms of CPU at cost 12) and can fill the disk: throttle.
        rate = settings.register_rate
        wait = await in_thread(self.rate_limiter.take, f"register-ip:{client_key(request)}", rate / 60, rate)
        if wait is not None:
            raise TooManyRequests("Too many new accounts from this address; retry later",
                                  retry_after=max(1, round(wait)))
        require_space(settings.data_dir, settings.min_free_disk)
        invite = await self._registration_allowed(request, body)
        user = await in_thread(self.accounts.create, username, password, invite)
        return token_answer(settings, user, 201)

    async def invite(self, request: Request) -> JSONResponse:
        """``POST /invites`` (an administrator's token): a code that lets one person register."""
        user = await self.bearer.user(request)
        if not await in_thread(self.accounts.is_admin, user.id):
            raise Forbidden("Only an administrator may invite", code="not_admin")
        code, expires_at = await in_thread(self.accounts.create_invite)
        expires = datetime.fromtimestamp(expires_at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return JSONResponse({"invite": code, "expires_at": expires}, status_code=201)

    async def login(self, request: Request) -> JSONResponse:
        """Throttled on failures only: per client network first, then per (username, network).

        A token is taken from each bucket before bcrypt runs, so parallel guesses cannot all slip in before
        the first failure is counted, and given back when the password is right. Keying the username's
        bucket by network means a stranger's failures never lock the owner out from their own address.
        """
        body = await json_body(request)
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise BadRequest("username and password are required strings", code="invalid_credentials_body")
        username = username.lower()
        settings, limiter, network = self.settings, self.rate_limiter, client_key(request)
        buckets = ((f"login-ip:{network}", settings.login_ip_rate),
                   (f"login:{network}:{username}", settings.login_rate))
        wait = await in_thread(_take_all, limiter, buckets)
        if wait is not None:
            raise TooManyRequests("Too many failed logins; retry later", retry_after=max(1, round(wait)))
        user = await in_thread(self.accounts.authenticate, username, password)
        if user is None:
            raise Unauthorized("Wrong username or password", code="invalid_credentials")
        await in_thread(_refund_all, limiter, buckets)
        return token_answer(settings, user, 200)


def _take_all(limiter: RateLimiter, buckets: Sequence[tuple[str, float]]) -> float | None:
    """One token from each bucket (burst = rate), or none: the seconds to wait when one is empty."""
    taken: list[tuple[str, float]] = []
    for bucket, rate in buckets:
        wait = limiter.take(bucket, rate, burst=rate)
        if wait is not None:
            _refund_all(limiter, taken)  # a refused request is not a failure either
            return wait
        taken.append((bucket, rate))
    return None


def _refund_all(limiter: RateLimiter, buckets: Sequence[tuple[str, float]]) -> None:
    for bucket, rate in buckets:
        limiter.refund(bucket, rate, burst=rate)
