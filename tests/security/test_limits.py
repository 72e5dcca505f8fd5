"""Limits through the real app: streamed upload caps, rate limits, render deadlines, back-pressure,
security headers, CORS, and loaders refused at delivery as well as at upload."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
import pyvips
from starlette.testclient import TestClient

from imgorigin.client.urls import signed_path
from imgorigin.errors import Unavailable
from imgorigin.services.renderer import RenderSlots
from tests.helpers import TEST_URL_SECRET, Account, make_settings, photo, register, services_of
from tests.security.appstate import MakeClient

MB = 1024 * 1024


def _multipart_stream(size: int, consumed: list[int], boundary: str = "cap") -> Iterator[bytes]:
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n"
           "Content-Type: image/jpeg\r\n\r\n").encode()
    chunk = b"\xff" * (64 * 1024)
    for _ in range(size // len(chunk)):
        consumed[0] += len(chunk)
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def test_upload_over_the_cap_is_413(make_client: MakeClient) -> None:
    """(The TestClient buffers request bodies; test_crash_safety shows the refusal while streaming.)"""
    client = make_client(max_upload_bytes=MB)
    account = register(client, "alice")
    response = client.post(
        "/images", content=_multipart_stream(20 * MB, [0]),
        headers={**account.headers, "Content-Type": "multipart/form-data; boundary=cap"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "upload_too_large", "message": f"The upload is larger than {MB} bytes",
    }
    assert not [p for p in (services_of(client).settings.data_dir / "tmp").glob("*")]


def test_declared_and_lying_content_lengths(make_client: MakeClient) -> None:
    client = make_client(max_upload_bytes=MB)
    account = register(client, "alice")
    multipart = {**account.headers, "Content-Type": "multipart/form-data; boundary=cap"}
    # declared too large: refused on the header alone
    response = client.post("/images", content=b"--cap--\r\n", headers={**multipart, "Content-Length": str(50 * MB)})
    assert response.status_code == 413
    # declared small, but the body keeps coming: the count of bytes actually read decides
    body = b"".join(_multipart_stream(3 * MB, [0]))
    response = client.post("/images", content=body, headers={**multipart, "Content-Length": "1000"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"
    # just under the cap is fine
    assert account.upload("rocket.jpg")["format"] == "jpeg"


def test_transform_calls_are_limited_per_user(make_client: MakeClient) -> None:
    client = make_client(transform_rate=2.0)
    alice, bob = register(client, "alice"), register(client, "bob")
    image = alice.upload("rocket.jpg")
    body = {"transformations": {"resize": {"width": 20}}}
    statuses = [client.post(f"/images/{image['id']}/transform", json=body, headers=alice.headers).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.post(f"/images/{image['id']}/transform", json=body, headers=alice.headers)
    assert refused.json()["error"] == {"code": "rate_limited", "message": "Too many transform calls; retry shortly"}
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # another account from the same address has its own bucket (authenticated work is not per address)
    own = bob.upload("logo.png")
    assert client.post(f"/images/{own['id']}/transform", json=body, headers=bob.headers).status_code == 200


def test_uncached_renders_are_limited_and_cache_hits_are_not(make_client: MakeClient) -> None:
    client = make_client(render_rate=2.0)
    image = register(client, "alice").upload("rocket.jpg")
    urls = [signed_path(TEST_URL_SECRET, image["id"], f"w_{width}", "jpg") for width in (10, 20, 30)]
    first, second, third = (client.get(url) for url in urls)
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert third.text == "Too many new renders; retry shortly\n"
    assert third.headers["content-type"].startswith("text/plain")
    assert int(third.headers["retry-after"]) >= 1
    for _ in range(10):  # hits are served however many there are
        again = client.get(urls[0])
        assert again.status_code == 200 and again.headers["x-cache"] == "HIT"


def test_a_render_over_its_deadline_is_504_and_the_worker_stays_healthy(make_client: MakeClient) -> None:
    client = make_client(render_timeout=0.3, cache_size=0)
    image = register(client, "alice").upload("hubble_deep_field.jpg")
    expensive = signed_path(TEST_URL_SECRET, image["id"], "c_scale,h_5000,w_8000/e_sharpen:2000", "png")
    started = time.monotonic()
    response = client.get(expensive)
    elapsed = time.monotonic() - started
    # Not 503: "busy, try elsewhere" would make a proxy spend the same time on another node.
    assert response.status_code == 504
    assert response.text == "The render took too long\n"
    assert response.headers["x-imgorigin-error"] == "render_timeout"
    assert "retry-after" not in response.headers
    assert elapsed < 5, f"the render was abandoned after {elapsed:.1f}s (it takes about 10s)"
    assert client.get("/healthz").status_code == 200
    cheap = client.get(signed_path(TEST_URL_SECRET, image["id"], "w_50", "png"))
    assert cheap.status_code == 200
    assert pyvips.Image.new_from_buffer(cheap.content, "").width == 50
    assert services_of(client).slots.in_flight == 0


def test_render_slots_refuse_past_the_queue() -> None:
    async def scenario() -> None:
        slots = RenderSlots(concurrency=1, queue=0, wait_timeout=5)
        release = anyio.Event()
        started = anyio.Event()

        async def hold() -> None:
            async def job() -> None:
                started.set()
                await release.wait()
            await slots.run(lambda: anyio.from_thread.run(job))

        async with anyio.create_task_group() as group:
            group.start_soon(hold)
            await started.wait()
            with pytest.raises(Unavailable) as refused:
                await slots.run(lambda: 1)
            assert refused.value.retry_after == 2 and refused.value.code == "overloaded"
            release.set()
        assert await slots.run(lambda: 7) == 7

    anyio.run(scenario)


def test_overload_is_503_with_retry_after_over_http(make_client: MakeClient) -> None:
    client = make_client(render_concurrency=1, render_queue=0)
    image = register(client, "alice").upload("rocket.jpg")
    slots = services_of(client).slots
    holder = object()  # stands for a long render holding the only slot
    client.portal.call(slots.limiter.acquire_on_behalf_of, holder)  # type: ignore[union-attr]
    try:
        response = client.get(signed_path(TEST_URL_SECRET, image["id"], "w_40", "jpg"))
        assert response.status_code == 503
        assert response.text == "The server is busy; retry shortly\n"
        assert response.headers["retry-after"] == "2"
        assert response.headers["x-imgorigin-error"] == "overloaded"
        assert response.headers["cache-control"] == "no-store"
    finally:
        client.portal.call(slots.limiter.release_on_behalf_of, holder)  # type: ignore[union-attr]
    assert client.get(signed_path(TEST_URL_SECRET, image["id"], "w_40", "jpg")).status_code == 200


def test_security_headers(client: TestClient, alice: Account) -> None:
    image = alice.upload("rocket.jpg")
    answers = {
        "api": client.get("/images", headers=alice.headers),
        "api error": client.get("/images"),
        "delivery": client.get(signed_path(TEST_URL_SECRET, image["id"], "w_10", "jpg")),
        "delivery error": client.get("/t/nothing-here.jpg"),
        "page": client.get("/"),
        "openapi": client.get("/openapi.json"),
    }
    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
    page = answers["page"]
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "content-security-policy" not in answers["api"].headers


def test_cors_preflight_when_configured(make_client: MakeClient) -> None:
    client = make_client(cors_origins=("https://app.example",))
    allowed = client.options("/images", headers={"Origin": "https://app.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "authorization"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    refused = client.options("/images", headers={"Origin": "https://evil.example",
                                                 "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_no_cors_by_default(client: TestClient) -> None:
    preflight = client.options("/images", headers={"Origin": "https://app.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in client.get("/healthz", headers={"Origin": "https://a.example"}).headers


@pytest.mark.parametrize("content", [b"2 2\n1 2\n3 4\n", b"1,2,3\n4,5,6\n", b"P6 1 1 255\n\xff\xff\xff",
                                     b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'],
                         ids=["matrix", "csv", "ppm", "svg"])
def test_loaders_are_refused_at_delivery_too(client: TestClient, content: bytes) -> None:
    """An original that never went through upload checks (restored, copied into the bucket) is refused."""
    services = services_of(client)
    source = Path(services.settings.data_dir) / "planted"
    source.write_bytes(content)
    services.storage.put("originals/Planted000000001", source)
    response = client.get(signed_path(TEST_URL_SECRET, "Planted000000001", "w_10", "png"))
    assert response.status_code == 415
    assert response.text == "Not a supported image type (JPEG, PNG, WebP, AVIF, GIF or TIFF)\n"
    assert client.get("/healthz").status_code == 200


def test_svg_when_allowed_is_rasterised_with_caps(make_client: MakeClient) -> None:
    from tests.security.corpus import SVG_HUGE, SVG_PLAIN, SVGS

    client = make_client(allow_svg=True)
    account = register(client, "alice")

    def post(data: bytes) -> tuple[int, dict[str, object]]:
        response = client.post("/images", headers=account.headers,
                               files={"file": ("x.svg", io.BytesIO(data), "image/svg+xml")})
        return response.status_code, response.json()

    status, body = post(SVG_PLAIN)
    assert status == 201 and (body["format"], body["width"], body["height"]) == ("svg", 120, 80)
    rendered = client.get(signed_path(TEST_URL_SECRET, str(body["id"]), "w_60", "png"))
    assert rendered.status_code == 200
    image = pyvips.Image.new_from_buffer(rendered.content, "")
    assert (image.width, image.height) == (60, 40)
    assert [round(v) for v in image(30, 20)][:3] == [0, 255, 0]
    unsafe = {"code": "unsafe_svg",
              "message": "SVG with scripts, entities, includes or external references is not accepted"}
    for name, data in SVGS.items():
        status, body = post(data)
        assert status == 415, name
        if name == "svg-xxe":  # librsvg itself refuses the DOCTYPE before the gate sees it
            assert body["error"] == {"code": "unsupported_media_type",
                                     "message": "Not a supported image type (JPEG, PNG, WebP, AVIF, GIF or TIFF)"}
        else:
            assert body["error"] == unsafe, name
    status, body = post(SVG_HUGE)
    assert status == 422 and body["error"]["code"] == "image_too_large"  # type: ignore[index]
    assert client.get("/images", headers=account.headers).json()["total"] == 1


def test_photos_still_pass_the_decode_check(client: TestClient, alice: Account) -> None:
    """fail_on="warning" at upload must not refuse ordinary camera files."""
    for name in ("rocket.jpg", "hubble_deep_field.jpg", "astronaut.png", "chelsea.png", "coffee.png", "logo.png"):
        response = client.post("/images", headers=alice.headers,
                               files={"file": (name, io.BytesIO(photo(name)), "application/octet-stream")})
        assert response.status_code == 201, (name, response.text)


def test_an_upload_that_decodes_too_slowly_is_refused(make_client: MakeClient) -> None:
    client = make_client(render_timeout=0.05)
    account = register(client, "alice")
    noise = pyvips.Image.gaussnoise(3000, 3000, sigma=80).cast("uchar")
    slow = bytes(noise.bandjoin([noise, noise]).copy(interpretation="srgb").write_to_buffer(".png", compression=1))
    response = client.post("/images", headers=account.headers,
                           files={"file": ("slow.png", io.BytesIO(slow), "image/png")})
    assert response.status_code == 422
    assert response.json()["error"] == {"code": "decode_timeout", "message": "The image takes too long to decode"}
    assert client.get("/images", headers=account.headers).json()["total"] == 0
    assert account.upload("logo.png")["format"] == "png"  # small files still pass the same deadline


def test_rate_limit_buckets_are_shared_by_workers(tmp_path: Path) -> None:
    """Two limiters on one state directory stand for two worker processes of a host."""
    from imgorigin.state.ratelimit import RateLimiter

    first, second = RateLimiter(tmp_path / "state"), RateLimiter(tmp_path / "state")
    try:
        taken = [limiter.take("login-ip:1.2.3.4", 3.0, burst=3.0) for limiter in (first, second, first, second)]
        assert taken[:3] == [None, None, None]
        assert taken[3] is not None and 0 < taken[3] <= 20
        assert first.take("login-ip:5.6.7.8", 3.0, burst=3.0) is None  # other buckets are untouched
    finally:
        first.close()
        second.close()


def test_rate_limiter_refuses_to_block_an_event_loop(tmp_path: Path) -> None:
    """Its transactions wait on other workers' SQLite locks: on the loop they would stall every request.
    The routes that take tokens (sign-up, login, upload, transform, render, Admin and Upload API, eager
    jobs) are exercised through the app by the tests of this suite, so a call left on the loop fails them."""
    from imgorigin.state.ratelimit import RateLimiter

    limiter = RateLimiter(tmp_path / "state")

    async def on_the_loop() -> None:
        for call in (lambda: limiter.take("b", 1.0), lambda: limiter.refund("b", 1.0),
                     lambda: limiter.count("w", 60), lambda: limiter.remember("s", "m", 1, 60)):
            with pytest.raises(RuntimeError, match=r"RateLimiter\.\w+ blocks: run it in a thread"):
                call()
        assert await anyio.to_thread.run_sync(limiter.take, "b", 1.0) is None

    try:
        anyio.run(on_the_loop)
    finally:
        limiter.close()


def test_render_queue_may_be_zero_but_not_negative(tmp_path: Path) -> None:
    from imgorigin.config import SettingsError

    assert make_settings(tmp_path / "a", render_queue=0).render_queue == 0
    with pytest.raises(SettingsError, match="IMGORIGIN_RENDER_QUEUE must be 0 or positive"):
        make_settings(tmp_path / "b", render_queue=-1)


def test_uploads_are_limited_per_user(make_client: MakeClient) -> None:
    client = make_client(upload_rate=2.0)
    alice, bob = register(client, "alice"), register(client, "bob")
    alice.upload("logo.png")
    alice.upload("rocket.jpg")
    refused = client.post("/images", headers=alice.headers,
                          files={"file": ("c.png", io.BytesIO(photo("coffee.png")), "image/png")})
    assert refused.status_code == 429
    assert refused.json()["error"] == {"code": "rate_limited", "message": "Too many uploads; retry shortly"}
    assert int(refused.headers["retry-after"]) >= 1
    # bob, behind the same address, has his own bucket
    other = client.post("/images", headers=bob.headers,
                        files={"file": ("c.png", io.BytesIO(photo("coffee.png")), "image/png")})
    assert other.status_code == 201
    assert client.get("/images", headers=alice.headers).json()["total"] == 2


def test_storage_quota_per_user(make_client: MakeClient) -> None:
    rocket, logo = len(photo("rocket.jpg")), len(photo("logo.png"))
    client = make_client(user_quota=rocket + logo // 2)
    alice, bob = register(client, "alice"), register(client, "bob")
    alice.upload("rocket.jpg")
    refused = client.post("/images", headers=alice.headers,
                          files={"file": ("logo.png", io.BytesIO(photo("logo.png")), "image/png")})
    assert refused.status_code == 413
    assert refused.json()["error"] == {
        "code": "quota_exceeded",
        "message": f"The upload would exceed your storage quota of {rocket + logo // 2} bytes",
    }
    assert bob.upload("logo.png")["format"] == "png"  # quotas are per user
    image_id = alice.client.get("/images", headers=alice.headers).json()["items"][0]["id"]
    assert client.delete(f"/images/{image_id}", headers=alice.headers).status_code == 204
    assert alice.upload("logo.png")["format"] == "png"  # deleting frees the space
    tmp = services_of(client).settings.data_dir / "tmp"
    assert [p for p in tmp.glob("*") if p.is_file()] == []


def test_uploads_take_a_render_slot(make_client: MakeClient) -> None:
    """Upload checks decode every pixel, so a busy node refuses them like renders: 503, nothing kept."""
    client = make_client(render_concurrency=1, render_queue=0)
    account = register(client, "alice")
    slots = services_of(client).slots
    holder = object()
    client.portal.call(slots.limiter.acquire_on_behalf_of, holder)  # type: ignore[union-attr]
    try:
        response = client.post("/images", headers=account.headers,
                               files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
        assert response.status_code == 503
        assert response.json()["error"] == {"code": "overloaded", "message": "The server is busy; retry shortly"}
        assert response.headers["retry-after"] == "2"
    finally:
        client.portal.call(slots.limiter.release_on_behalf_of, holder)  # type: ignore[union-attr]
    tmp = services_of(client).settings.data_dir / "tmp"
    assert [p for p in tmp.glob("*") if p.is_file()] == []
    assert client.get("/images", headers=account.headers).json()["total"] == 0
    assert account.upload("rocket.jpg")["format"] == "jpeg"
