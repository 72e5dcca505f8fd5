"""A small client of Cloudinary's Upload and Admin APIs (any compatible server), for the importer."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from imgorigin.clouds.signing import sign

DEFAULT_API = "https://api.cloudinary.com"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
RETRIES = 5


class ApiError(Exception):
    """A call that failed for good: its message says why, in one line."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def content_etags(data: bytes) -> set[str]:
    """What a server may report as the ``etag`` of these bytes: Cloudinary's MD5, imgorigin's SHA-256 prefix."""
    return {hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()[:32]}


@dataclass(frozen=True)
class Account:
    """``cloudinary://<api_key>:<api_secret>@<cloud_name>`` and the API's base URL (``upload_prefix``)."""

    cloud: str
    api_key: str
    api_secret: str
    prefix: str = DEFAULT_API

    @classmethod
    def parse(cls, url: str, prefix: str | None = None) -> Account:
        parts = urlsplit(url)
        if parts.scheme != "cloudinary" or not parts.username or not parts.password or not parts.hostname:
            raise ApiError("expected cloudinary://<api_key>:<api_secret>@<cloud_name>")
        query = parse_qs(parts.query)
        base = prefix or (query.get("upload_prefix") or [DEFAULT_API])[0]
        # The cloud name keeps its case: urlsplit lowercases ``hostname``, not ``netloc``.
        cloud = parts.netloc.rsplit("@", 1)[1].split(":")[0]
        return cls(cloud, unquote(parts.username), unquote(parts.password), base.rstrip("/"))

    def url(self, *path: str) -> str:
        return "/".join([self.prefix, "v1_1", self.cloud, *path])


class Api:
    """One account's API; thread-safe (one HTTP client per thread), retries on 429/420 and 5xx.

    ``close()`` (or leaving a ``with`` block) closes every thread's client and its connections.
    """

    def __init__(self, account: Account) -> None:
        self.account = account
        self._local = threading.local()
        self._clients: list[httpx.Client] = []  # every thread's, for close(): the threads end before it
        self._clients_lock = threading.Lock()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _http(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=TIMEOUT, follow_redirects=True)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        with self._clients_lock:
            clients, self._clients = self._clients, []
            self._local = threading.local()
        for client in clients:
            client.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(RETRIES + 1):
            try:
                response = self._http().request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt == RETRIES:
                    raise ApiError(f"cannot reach {urlsplit(url).netloc}: {exc}") from None
                time.sleep(min(2**attempt * 0.2, 5))
                continue
            if response.status_code in (420, 429, 502, 503, 504) and attempt < RETRIES:
                wait = response.headers.get("retry-after", "")
                time.sleep(min(float(wait), 60) if wait.isdigit() else min(2**attempt * 0.5, 10))
                continue
            if response.status_code >= 400:
                raise ApiError(_message(response), response.status_code)
            return response
        raise AssertionError("unreachable")

    def signed(self, params: dict[str, str]) -> dict[str, str]:
        params = {k: v for k, v in params.items() if v}
        params["timestamp"] = str(int(time.time()))
        params["signature"] = sign(params, self.account.api_secret)
        params["api_key"] = self.account.api_key
        return params

    def upload(self, data: bytes, filename: str, params: dict[str, str]) -> dict[str, Any]:
        response = self.request("POST", self.account.url("image", "upload"), data=self.signed(params),
                                files={"file": (filename, data, "application/octet-stream")})
        return dict(response.json())

    def admin(self, *path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        auth = (self.account.api_key, self.account.api_secret)
        return dict(self.request("GET", self.account.url(*path), params=params, auth=auth).json())

    def resources(self, page_size: int = 500) -> Any:
        """Every image of the account (``type`` upload), page after page."""
        cursor = ""
        while True:
            params = {"max_results": str(page_size), **({"next_cursor": cursor} if cursor else {})}
            page = self.admin("resources", "image", "upload", params=params)
            yield from page.get("resources", [])
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return

    def original(self, resource: dict[str, Any]) -> bytes:
        """The stored original's bytes: the Upload API's signed ``download`` (Cloudinary's
        ``private_download_url``), which neither re-encodes nor strips anything."""
        params = self.signed({"public_id": resource["public_id"], "format": str(resource.get("format") or ""),
                              "type": "upload"})
        return self.request("GET", self.account.url("image", "download"), params=params).content


def _message(response: httpx.Response) -> str:
    try:
        text = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        text = response.text.strip()[:200]
    return f"HTTP {response.status_code}: {text}"
