"""``GET /t/...``: verify, parse, look up the cache, render on a miss, answer with cache headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from imgorigin.config import Settings
from imgorigin.delivery.accept import negotiate
from imgorigin.delivery.anypath import AnyPathRoute
from imgorigin.delivery.conditional import none_match
from imgorigin.delivery.url import split
from imgorigin.errors import InvalidTransformation, TooManyRequests, Unauthorized
from imgorigin.http import hints
from imgorigin.http.callers import client_key
from imgorigin.security import UrlSigner
from imgorigin.services.renderer import Renderer, cache_key, etag_of
from imgorigin.services.transformations import Transformations
from imgorigin.state.cache import DerivedCache
from imgorigin.state.ratelimit import RateLimiter
from imgorigin.transform import params as p
from imgorigin.transform.autosize import uses_hints
from imgorigin.transform.exprplan import Program
from imgorigin.transform.flags import ATTACHMENT, output_flags
from imgorigin.transform.responsive import NO_HINTS
from imgorigin.transform.transformation import Transformation
from imgorigin.transform.values import Output, OutputFormat, parse_output_format

IMMUTABLE = "public, max-age=31536000, immutable"
# nginx sends PROBE on the subrequest that asks which cache entry a hinted request maps to (nginx.conf);
# the answer is a 204 naming the entry in VARIANT, without a cache read or a render.
PROBE = "x-imgorigin-probe"
VARIANT = "X-Imgorigin-Variant"


@dataclass(frozen=True)
class DeliveryRoutes:
    """``/t/``: URLs signed with the server's URL secrets (or made only of safe presets)."""

    signer: UrlSigner
    transformations: Transformations
    allow_unsigned: bool
    responder: Responder

    def routes(self) -> list[BaseRoute]:
        return [AnyPathRoute("/t/{path:path}", self.deliver, methods=["GET", "HEAD"])]

    async def deliver(self, request: Request) -> Response:
        raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        url = split(raw.removeprefix("/t/"))

        if url.signature is not None:
            self.signer.verify(url.signature, url.to_sign)
        elif not (self.allow_unsigned or self.transformations.presets.all_unsigned_ok(url.transformation)):
            raise Unauthorized("This URL needs a signature (s--...--)", code="signature_required")

        plan = self.transformations.program(url.transformation)
        try:
            extension = parse_output_format(url.extension)
        except ValueError:
            raise InvalidTransformation(
                f"Unknown extension .{url.extension}: expected jpg, png, webp, avif, gif or tiff"
            ) from None
        return await self.responder.serve(request, url.image_id, plan, extension, IMMUTABLE)


@dataclass(frozen=True)
class Responder:
    """Answers for derivatives of stored images, for every layout: /t/ and Cloudinary's."""

    settings: Settings  # the render rate per client, the largest side a client hint may ask for
    renderer: Renderer
    cache: DerivedCache
    rate_limiter: RateLimiter

    async def serve(self, request: Request, image_id: str, plan: Transformation | Program,
                    extension: OutputFormat, cache_control: str,
                    on_miss: Callable[[str], None] | None = None) -> Response:
        """The response for one derivative of a stored image, whichever layout named it: expressions
        evaluated on the image's header and w_auto and dpr_auto resolved from the client hints (and the
        probe nginx keys its cache on), f_auto negotiation, ETag and 304, the cache, the render limit per
        client IP on a miss (and ``on_miss``, given the cache key; it runs in a thread, as the rate limiter
        does), the render itself."""
        settings = self.settings
        auto_width, auto_dpr = uses_hints(plan)
        chosen = hints.read_hints(request.headers, settings.max_output_side) if auto_width or auto_dpr else NO_HINTS
        # Resolved before the key: one entry per resolved width, whichever hint chose it.
        plan = await self.renderer.evaluate(image_id, plan, chosen)
        headers = {"Cache-Control": cache_control, "Accept-CH": hints.ACCEPT_CH}
        output: Output | None = plan.output_format(extension)
        varies = hints.vary(auto_width, auto_dpr, negotiated=output is None)
        if varies is not None:
            headers["Vary"] = varies
        if output is None:
            output = negotiate(request.headers.get("accept", ""))

        key = cache_key(image_id, plan, output)
        etag = etag_of(key)
        headers["ETag"] = etag
        if PROBE in request.headers:
            return Response(status_code=204, headers={VARIANT: key[:32]})
        if none_match(request.headers.get("if-none-match"), etag) and key in self.cache:
            return Response(status_code=304, headers=headers)

        derived = self.renderer.lookup(key)
        if derived is None:
            wait = await anyio.to_thread.run_sync(
                self.rate_limiter.take, f"render:{client_key(request)}", settings.render_rate
            )
            if wait is not None:
                raise TooManyRequests("Too many new renders; retry shortly", retry_after=max(1, round(wait)))
            if on_miss is not None:
                await anyio.to_thread.run_sync(on_miss, key)
            derived = await self.renderer.derive(image_id, plan, output, gone=lambda: disconnected(request))
        headers["X-Cache"] = "HIT" if derived.cached else "MISS"
        if derived.contended:
            # Another render of this worker waited for the slot this one used: the client's next request is
            # better sent on a new connection, which a less busy worker is the likelier to accept
            # (docs/performance.md, "Connections and workers").
            headers["Connection"] = "close"
        disposition = attachment_header(plan, image_id, derived.format)
        if disposition is not None:
            headers["Content-Disposition"] = disposition
        body = b"" if request.method == "HEAD" else derived.data
        response = Response(body, media_type=derived.format.media_type, headers=headers)
        if request.method == "HEAD":
            response.headers["Content-Length"] = str(len(derived.data))
        return response


async def disconnected(request: Request) -> None:
    """Returns when the client hangs up (a GET has no body, so the next message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def attachment_header(plan: Transformation, image_id: str, fmt: OutputFormat) -> str | None:
    """fl_attachment[:name]: download rather than display, as <name or image id>.<format>."""
    flags = output_flags(component.get(p.FLAGS) for component in plan)
    if ATTACHMENT.name not in flags:
        return None
    # Both parts are [A-Za-z0-9_-] (the flag's parser and the id grammar), so no quoting is needed.
    return f'attachment; filename="{flags.value(ATTACHMENT) or image_id}.{fmt.value}"'
