"""Routes of Cloudinary's layouts: the path names the cloud (or ``IMGORIGIN_DEFAULT_CLOUD``) and the type."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from imgorigin.delivery.cloud import CloudDelivery, CloudLayouts
from imgorigin.delivery.cloudpath import split_cloud_path
from imgorigin.delivery.fetch import Fetcher
from imgorigin.errors import NotFound


@dataclass(frozen=True)
class CloudLayoutRoutes:
    layouts: CloudLayouts
    fetcher: Fetcher
    default_cloud: str  # IMGORIGIN_DEFAULT_CLOUD: the account a CNAME host serves

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/image/upload/{rest:path}", self.deliver, methods=["GET", "HEAD"]),
            Route("/image/fetch/{rest:path}", self.deliver, methods=["GET", "HEAD"]),
            Route("/{cloud}/image/upload/{rest:path}", self.deliver, methods=["GET", "HEAD"]),
            Route("/{cloud}/image/fetch/{rest:path}", self.deliver, methods=["GET", "HEAD"]),
        ]

    async def deliver(self, request: Request) -> Response:
        raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        url = split_cloud_path(raw)
        cloud = url.cloud if url.cloud is not None else self.default_cloud
        if not cloud:
            raise NotFound("No default cloud on this host: use /<cloud_name>/image/upload/...", code="unknown_cloud")
        account = await anyio.to_thread.run_sync(self.layouts.published.account, cloud)
        if account is None:
            raise NotFound("Unknown cloud name", code="unknown_cloud")
        delivery = CloudDelivery(self.layouts, cloud, account)
        if url.delivery_type == "fetch":
            return await self.fetcher.deliver(request, delivery, url)
        return await delivery.upload(request, url)
