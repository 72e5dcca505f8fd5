"""Errors as Cloudinary's APIs answer them, so that its SDKs raise their usual exceptions.

The body is the API's ``{"error": {"code", "message"}}``; Cloudinary's SDKs read ``message`` and map the
status to an exception class: 400 ``BadRequest``, 401 ``AuthorizationRequired``, 403 ``NotAllowed``, 404
``NotFound``, 409 ``AlreadyExists``, 420/429 ``RateLimited``. Cloudinary answers a file that is too big or
not an image with 400, so those statuses are folded into 400 on these paths.
"""

from __future__ import annotations

from imgorigin.errors import TooManyRequests

PREFIX = "/v1_1/"
_STATUS = {413: 400, 415: 400, 422: 400}


def cloudinary_status(status: int) -> int:
    return _STATUS.get(status, status)


class RateLimited(TooManyRequests):
    """The Admin API's hourly allowance is spent: Cloudinary's 420, with the allowance's headers."""

    status = 420

    def __init__(self, message: str, *, retry_after: int, rate_headers: dict[str, str]) -> None:
        super().__init__(message, retry_after=retry_after, code="rate_limited")
        self.rate_headers = rate_headers

    def headers(self) -> dict[str, str]:
        return {**super().headers(), **self.rate_headers}
