"""Building signed delivery URLs, for the API answers, the CLI and backends that embed images.

    >>> from imgorigin.urls import UrlBuilder
    >>> urls = UrlBuilder(secret="...", base="https://img.example.com")
    >>> urls.url("9fK2xQ7bLm1c", "c_fill,w_400,h_300", "webp")
    'https://img.example.com/t/s--...--/c_fill,w_400,h_300/9fK2xQ7bLm1c.webp'
"""

from __future__ import annotations

from dataclasses import dataclass

from imgorigin.security import long_signature


def signed_path(secret: str, image_id: str, transformation: str, extension: str) -> str:
    last = f"{image_id}.{extension}"
    to_sign = f"{transformation}/{last}" if transformation else last
    return f"/t/{long_signature(to_sign, secret)}/{to_sign}"


@dataclass(frozen=True)
class UrlBuilder:
    secret: str
    base: str = ""

    def url(self, image_id: str, transformation: str = "", extension: str = "jpg") -> str:
        return self.base.rstrip("/") + signed_path(self.secret, image_id, transformation, extension)
