"""The two kinds of Cloudinary endpoint: Upload API calls (signed parameters) and Admin API calls
(HTTP Basic, an hourly allowance per account reported in ``X-FeatureRateLimit-*`` headers)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from imgorigin.api.common import in_thread
from imgorigin.api.v1_1.auth import Caller, Callers
from imgorigin.api.v1_1.errors import RateLimited
from imgorigin.api.v1_1.params import Params, read_params
from imgorigin.state.ratelimit import RateLimiter

HOUR = 3600
Body = dict[str, Any]
AdminHandler = Callable[[Request, Caller, Params], Awaitable[Body]]
UploadHandler = Callable[[Request, Caller, Params], Awaitable[Response | Body]]


@dataclass(frozen=True)
class Endpoints:
    """Makes endpoints of handlers: the caller checked, the parameters read, the Admin API's allowance counted."""

    callers: Callers
    rate_limiter: RateLimiter
    admin_api_rate: int  # calls per hour and account; 0: no limit
    max_upload_bytes: int
    spool_dir: Path

    async def _rate_headers(self, caller: Caller) -> dict[str, str]:
        limit = self.admin_api_rate
        if limit <= 0:
            return {}
        calls, reset = await in_thread(self.rate_limiter.count, f"admin-api:{caller.user.id}", HOUR)
        headers = {
            "X-FeatureRateLimit-Limit": str(limit),
            "X-FeatureRateLimit-Remaining": str(max(0, limit - calls)),
            "X-FeatureRateLimit-Reset": formatdate(reset, usegmt=True),
        }
        if calls > limit:
            raise RateLimited(f"Rate Limit Exceeded: {limit} Admin API calls per hour",
                              retry_after=max(1, reset - int(time.time())), rate_headers=headers)
        return headers

    def admin(self, handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            caller = await self.callers.basic(request)
            headers = await self._rate_headers(caller)
            params = await read_params(request)
            return JSONResponse(await handler(request, caller, params), headers=headers)

        return endpoint

    def upload_api(self, handler: UploadHandler, *, file_field: bool = False,
                   unsigned_ok: bool = False) -> Callable[[Request], Awaitable[Response]]:
        """A signed Upload API call; with ``file_field`` its body may carry the upload (``file``)."""

        async def endpoint(request: Request) -> Response:
            params = await read_params(request, upload_limit=self.max_upload_bytes if file_field else 0,
                                       spool_dir=self.spool_dir)
            try:
                caller, preset = await self.callers.signed(request, params, unsigned_ok=unsigned_ok)
                request.state.preset = preset
                answer = await handler(request, caller, params)
            finally:
                params.discard()
            return answer if isinstance(answer, Response) else JSONResponse(answer)

        return endpoint
