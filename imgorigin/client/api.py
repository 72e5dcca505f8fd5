"""The JSON API over HTTP, for programs outside the server: one call, its retries, its errors in one line.

A 429 or 503 with ``Retry-After`` is waited out (bounded); any other error becomes a ``ClientError``
whose message is the server's, or one line naming the proxy in front of it when that answered instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from imgorigin.client.profiles import ClientError

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# A 429 or 503 with Retry-After is waited out, at most this many times per request, each wait capped.
RETRIES = 5
MAX_RETRY_WAIT = 60.0
_TITLE = re.compile(r"<title>\s*([^<]{1,200}?)\s*</title>", re.IGNORECASE)


@dataclass
class Api:
    server: str
    token: str = ""

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.Client(base_url=self.server.rstrip("/"), headers=headers, timeout=TIMEOUT)

    def call(self, method: str, path: str, rewind: Callable[[], object] | None = None, **kwargs: Any) -> Any:
        """One API call; a 429/503 with ``Retry-After`` is retried after that wait (bounded). ``rewind``
        puts a streamed body back at its start before a retry."""
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                raise ClientError(f"cannot reach {self.server}: {exc}") from None
            wait = retry_after(response)
            if wait is None or attempt == RETRIES:
                break
            time.sleep(wait)
            if rewind is not None:
                rewind()
        if response.status_code >= 400:
            raise ClientError(_error_message(response))
        return response.json() if response.content else None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before retrying a 429/503 (``Retry-After`` as seconds or an HTTP date), capped;
    None when the answer is not one to retry."""
    if response.status_code not in (429, 503):
        return None
    raw = response.headers.get("retry-after", "").strip()
    if raw.isascii() and raw.isdigit():
        seconds = float(raw)
    else:
        try:
            seconds = (parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_WAIT)


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        message = f"{error['message']} ({response.status_code} {error['code']})"
    except (ValueError, KeyError, TypeError):
        message = _not_from_imgorigin(response)
    if response.status_code == 401 and "login" not in response.request.url.path:
        message += "; run imgorigin login"
    return message


def _not_from_imgorigin(response: httpx.Response) -> str:
    """One line for an answer without imgorigin's JSON error: a proxy in front of it (nginx) spoke."""
    title = _TITLE.search(response.text)
    status = title[1] if title else f"{response.status_code} {response.reason_phrase}".strip()
    if response.status_code == 413:
        return f"too large: the proxy in front of the server refuses a body this big (HTTP {status})"
    first_line = "" if title or "<" in response.text[:1] else response.text.strip().split("\n", 1)[0][:200]
    return f"HTTP {status}" + (f": {first_line}" if first_line else "")
