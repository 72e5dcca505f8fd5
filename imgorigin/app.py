"""``create_app(settings)``: both planes, one error mapping, the shared services."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imgorigin.api.v1_1.errors import PREFIX as CLOUDINARY_API
from imgorigin.api.v1_1.errors import cloudinary_status
from imgorigin.clouds.accounts import publish_once
from imgorigin.config import Settings
from imgorigin.delivery.cloudpath import layout_of as cloud_layout
from imgorigin.errors import ImgOriginError, InsufficientStorage
from imgorigin.ops.access import Observe
from imgorigin.ops.background import background
from imgorigin.planes import cloud_layouts, control_routes, delivery_routes, ops_routes
from imgorigin.services.wiring import Services
from imgorigin.state import disk
from imgorigin.state.disk import is_disk_full
from imgorigin.web import pages

log = logging.getLogger("imgorigin")

DELIVERY_PREFIX = "/t/"


def _is_delivery(request: Request) -> bool:
    path = request.url.path
    return path.startswith(DELIVERY_PREFIX) or cloud_layout(path)


def error_response(request: Request, status: int, code: str, message: str, headers: dict[str, str]) -> Response:
    """JSON on the control plane, short plain text on the delivery plane; never cached.

    ``X-Imgorigin-Error`` carries the code on both planes, so a proxy or a log can tell "busy, try
    another node" (``overloaded``) from "too expensive anywhere" (``render_timeout``) without a body.
    """
    headers = {**headers, "Cache-Control": "no-store", "X-Imgorigin-Error": code}
    if _is_delivery(request):
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)
    if request.url.path.startswith(CLOUDINARY_API):
        status = cloudinary_status(status)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


async def on_imgorigin_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ImgOriginError)
    if exc.detail:
        log.info("%s %s -> %s %s (%s)", request.method, request.url.path, exc.status, exc.code, exc.detail)
    return error_response(request, exc.status, exc.code, exc.message, exc.headers())


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    return error_response(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), message,
                          dict(exc.headers or {}))


def _disk_full(request: Request, exc: Exception) -> Response:
    log.error("disk full on %s %s: %r", request.method, request.url.path, exc)
    full = InsufficientStorage(disk.MESSAGE, retry_after=disk.RETRY_AFTER)
    return error_response(request, full.status, full.code, full.message, full.headers())


async def on_write_error(request: Request, exc: Exception) -> Response:
    """OSError and SQLite's OperationalError: a full disk is an operating condition, not a bug."""
    if is_disk_full(exc):
        return _disk_full(request, exc)
    raise exc


async def on_unexpected(request: Request, exc: Exception) -> Response:
    if is_disk_full(exc):  # wrapped in another exception type on its way up
        return _disk_full(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, "internal_error", "Internal error", {})


def page_csp(public_url: str = "") -> str:
    """The pages' CSP. Signed URLs point at ``IMGORIGIN_PUBLIC_URL`` when it is set (a CDN, another host
    or port): the playground's thumbnails load from there, and its previews are fetched from there."""
    origin = ""
    if public_url:
        parts = urlsplit(public_url)
        origin = f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; img-src 'self'{origin} data: blob:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self'{origin}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    )


class SecurityHeaders:
    """nosniff everywhere; a strict CSP on pages. Pure ASGI: no per-request task overhead."""

    def __init__(self, app: ASGIApp, public_url: str = "") -> None:
        self.app = app
        self.csp = page_csp(public_url).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                content_type = next((v for k, v in headers if k == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", self.csp))
                    headers.append((b"referrer-policy", b"same-origin"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings, services: Services | None = None) -> Starlette:
    """The app of one worker. ``services`` is built from ``settings`` unless given (tests keep a handle on
    it); the app owns it either way, and closes it at shutdown."""
    if services is None:
        services = Services.build(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            if services.control is not None:
                await anyio.to_thread.run_sync(publish_once, services)
            async with background(services):
                yield
        finally:
            services.close()

    middleware = [
        Middleware(Observe, metrics=services.metrics),
        Middleware(SecurityHeaders, public_url=settings.public_url),
    ]
    if settings.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        ))
    # A render node (IMGORIGIN_ROLE=render) mounts delivery, health and metrics only; a control node
    # the API and the playground; the default node both.
    layouts = cloud_layouts(services)
    app = Starlette(
        routes=[
            *(delivery_routes(services, layouts) if settings.serves_delivery else []),
            *(control_routes(services, services.control, layouts) if services.control is not None else []),
            Route("/healthz", healthz),
            *ops_routes(services),
            *(pages.routes if settings.serves_control else []),
        ],
        middleware=middleware,
        exception_handlers={
            ImgOriginError: on_imgorigin_error,
            HTTPException: on_http_error,
            OSError: on_write_error,
            sqlite3.OperationalError: on_write_error,
            Exception: on_unexpected,
        },
        lifespan=lifespan,
    )
    return app
