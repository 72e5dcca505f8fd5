"""One error hierarchy for the whole service.

Every error carries the HTTP status it maps to, a stable machine-readable ``code`` and a public
message that is safe to show to anyone. Internal detail (libvips text, paths, SQL) goes to the log
through ``detail`` and never into a response. The two planes render the same errors differently:
JSON on the control plane, short plain text on the delivery plane.
"""

from __future__ import annotations


class ImgOriginError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        retry_after: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.retry_after = retry_after
        if code is not None:
            self.code = code

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(self.retry_after)}


class BadRequest(ImgOriginError):
    status = 400
    code = "bad_request"


class InvalidTransformation(BadRequest):
    """A delivery URL or transformation string that does not parse, or asks for too much."""

    code = "invalid_transformation"


class Unauthorized(ImgOriginError):
    status = 401
    code = "unauthorized"


class Forbidden(ImgOriginError):
    status = 403
    code = "forbidden"


class NotFound(ImgOriginError):
    status = 404
    code = "not_found"


class Conflict(ImgOriginError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ImgOriginError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ImgOriginError):
    status = 415
    code = "unsupported_media_type"


class Unprocessable(ImgOriginError):
    """The bytes are an image of an accepted type, but broken or over a limit."""

    status = 422
    code = "unprocessable_image"


class TooManyRequests(ImgOriginError):
    status = 429
    code = "rate_limited"


class InsufficientStorage(ImgOriginError):
    """The disk this node writes to is full (or below the floor kept free); retry later."""

    status = 507
    code = "insufficient_storage"


class Unavailable(ImgOriginError):
    """Overloaded, or a dependency (storage, model) is missing or down; safe to retry later, elsewhere too."""

    status = 503
    code = "unavailable"


class RenderTimeout(ImgOriginError):
    """This render ran out of time. Not "busy, try elsewhere" (503): another node would spend the same
    time and fail the same way, so proxies must not retry it and the origin remembers it briefly."""

    status = 504
    code = "render_timeout"


class ClientClosed(ImgOriginError):
    """Everyone waiting for a render went away, so it was stopped (nginx's 499: nobody reads it)."""

    status = 499
    code = "client_closed"
