"""Routes of Cloudinary's layouts: the path names the cloud (or ``IMGORIGIN_DEFAULT_CLOUD``) and the type."""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from imgorigin.delivery.cloud import CloudDelivery
from imgorigin.delivery.cloudpath import split_cloud_path
from imgorigin.delivery.fetch import deliver_fetch
from imgorigin.errors import NotFound
from imgorigin.services.wiring import Services


async def deliver(request: Request) -> Response:
    services: Services = request.app.state.services
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    url = split_cloud_path(raw)
    cloud = url.cloud if url.cloud is not None else services.settings.default_cloud
    if not cloud:
        raise NotFound("No default cloud on this host: use /<cloud_name>/image/upload/...", code="unknown_cloud")
    account = await anyio.to_thread.run_sync(services.published.account, cloud)
    if account is None:
        raise NotFound("Unknown cloud name", code="unknown_cloud")
    delivery = CloudDelivery(services, cloud, account)
    if url.delivery_type == "fetch":
        return await deliver_fetch(request, delivery, url)
    return await delivery.upload(request, url)


routes = [
    Route("/image/upload/{rest:path}", deliver, methods=["GET", "HEAD"]),
    Route("/image/fetch/{rest:path}", deliver, methods=["GET", "HEAD"]),
    Route("/{cloud}/image/upload/{rest:path}", deliver, methods=["GET", "HEAD"]),
    Route("/{cloud}/image/fetch/{rest:path}", deliver, methods=["GET", "HEAD"]),
]
