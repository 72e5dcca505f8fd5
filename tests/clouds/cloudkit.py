"""A server with one account set up as a Cloudinary cloud, and Cloudinary's own SDK to build its URLs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cloudinary.utils
import pyvips
from starlette.testclient import TestClient

from tests.helpers import Account, AppClient, make_settings, photo, register


@dataclass
class Cloud:
    client: TestClient
    account: Account
    api_key: str
    api_secret: str

    def sdk(self, public_id: str, **options: Any) -> str:
        """The URL Cloudinary's Python SDK builds, configured only with its documented options."""
        config = {"cloud_name": self.account.username, "api_key": self.api_key, "api_secret": self.api_secret,
                  "secure": True, "secure_distribution": "testserver"}
        config.update(options)
        url, _ = cloudinary.utils.cloudinary_url(public_id, **config)
        return str(url)

    def get(self, url: str, **headers: str) -> Any:
        parts = urlsplit(url)
        assert parts.netloc in ("testserver", "testserver:80"), url
        return self.client.get(parts.path, headers=headers)

    def image(self, url: str, **headers: str) -> pyvips.Image:
        response = self.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code, response.text)
        return pyvips.Image.new_from_buffer(response.content, "")

    def upload(self, name: str, **fields: str) -> dict[str, Any]:
        response = self.client.post("/images", headers=self.account.headers, data=fields,
                                    files={"file": (name, io.BytesIO(photo(name)), "application/octet-stream")})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def set_policy(self, policy: str | None, allowed: list[str] | None = None) -> None:
        body: dict[str, Any] = {"unsigned_policy": policy}
        if allowed is not None:
            body["allowed_transformations"] = allowed
        response = self.client.put("/me/cloud", headers=self.account.headers, json=body)
        assert response.status_code == 200, response.text


def make_cloud(tmp_path: Path, **settings: Any) -> Iterator[Cloud]:
    values: dict[str, Any] = {"default_cloud": "alice", "allow_short_signatures": True}
    values.update(settings)
    with AppClient(make_settings(tmp_path, **values)) as client:
        account = register(client, "alice")
        key = client.post("/me/api-keys", headers=account.headers).json()
        yield Cloud(client, account, key["api_key"], key["api_secret"])

