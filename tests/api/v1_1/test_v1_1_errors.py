"""Error paths through the SDK (its usual exceptions) and hostile requests straight at the API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import cloudinary
import cloudinary.api
import cloudinary.uploader
import httpx
import pytest
from cloudinary.exceptions import AuthorizationRequired, BadRequest, NotAllowed, NotFound

from imgorigin.clouds.signing import sign
from tests.api.v1_1.sdk import Cloud, cloud_fixture, other_fixture, server_fixture, stream  # noqa: F401 (the fixtures these tests use)
from tests.helpers import AppClient, png


def _signed(cloud: Cloud, **params: str) -> dict[str, str]:
    params = {"timestamp": str(int(time.time())), **params}
    return {**params, "signature": sign(params, cloud.api_secret), "api_key": cloud.api_key}


def _post(cloud: Cloud, action: str, data: Mapping[str, str | list[str]], **kwargs: object) -> httpx.Response:
    return httpx.post(f"{cloud.base}/v1_1/{cloud.name}/image/{action}", data=data, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_bad_signature(cloud: Cloud) -> None:
    with pytest.raises(AuthorizationRequired, match=r"Invalid Signature .* String to sign - 'public_id=x&timestamp="):
        cloudinary.uploader.upload(stream(png(4, 4)), public_id="x", api_secret="not-the-secret")
    assert cloud.record("x") is None


def test_stale_timestamp(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cloudinary.utils, "now", lambda: str(int(time.time()) - 3700))
    with pytest.raises(BadRequest, match=r"Stale request - reported time is \d{4}-\d\d-\d\d .* more than 1 hour ago"):
        cloudinary.uploader.upload(stream(png(4, 4)), public_id="old")
    monkeypatch.setattr(cloudinary.utils, "now", lambda: str(int(time.time()) + 7200))
    with pytest.raises(BadRequest, match="more than 1 hour ahead"):
        cloudinary.uploader.upload(stream(png(4, 4)), public_id="future")


def test_unknown_api_key_and_wrong_cloud_name(cloud: Cloud, other: Cloud) -> None:
    with pytest.raises(AuthorizationRequired, match="Unknown API key 999999999999999"):
        cloudinary.uploader.upload(stream(png(4, 4)), api_key="999999999999999")
    with pytest.raises(AuthorizationRequired, match="Invalid cloud_name nosuchcloud"):
        cloudinary.uploader.upload(stream(png(4, 4)), cloud_name="nosuchcloud")
    with pytest.raises(AuthorizationRequired, match="cloud_name mismatch"):
        cloudinary.uploader.upload(stream(png(4, 4)), cloud_name=other.name)
    with pytest.raises(AuthorizationRequired, match="Invalid cloud_name"):
        cloudinary.api.resources(cloud_name="nosuchcloud")


def test_another_accounts_public_id_is_not_there(cloud: Cloud, other: Cloud) -> None:
    cloudinary.uploader.upload(stream(png(6, 6)), public_id="mine", **other.options)
    with pytest.raises(NotFound):
        cloudinary.api.resource("mine")
    assert cloudinary.uploader.destroy("mine") == {"result": "not found"}
    assert cloudinary.api.delete_resources(["mine"])["deleted"] == {"mine": "not_found"}
    assert cloudinary.uploader.add_tag("stolen", ["mine"]) == {"public_ids": []}
    assert other.record("mine") is not None
    mine = cloudinary.uploader.upload(stream(png(7, 7)), public_id="mine")  # same name, another cloud
    assert mine["width"] == 7 and other.record("mine").width == 6


def test_unsigned_uploads_need_an_unsigned_preset(cloud: Cloud) -> None:
    with pytest.raises(BadRequest, match="Upload preset must be specified when using unsigned upload"):
        cloudinary.uploader.upload(stream(png(4, 4)), unsigned=True)
    cloudinary.api.create_upload_preset(name="signed_only", folder="x")
    with pytest.raises(BadRequest, match="Upload preset must be whitelisted for unsigned uploads"):
        cloudinary.uploader.unsigned_upload(stream(png(4, 4)), "signed_only")
    with pytest.raises(BadRequest, match="Upload preset not found - nope"):
        cloudinary.uploader.unsigned_upload(stream(png(4, 4)), "nope")
    cloudinary.api.create_upload_preset(name="open", unsigned=True, disallow_public_id=True)
    with pytest.raises(BadRequest, match="does not allow a public_id"):
        cloudinary.uploader.unsigned_upload(stream(png(4, 4)), "open", public_id="chosen")
    first = cloudinary.uploader.unsigned_upload(stream(png(4, 4)), "open")
    assert cloud.record(first["public_id"]).width == 4


def test_oversize_file_and_non_image(cloud: Cloud) -> None:
    with pytest.raises(BadRequest, match="File size too large"):
        cloudinary.uploader.upload(stream(b"\xff" * (3 * 1024 * 1024)), public_id="big")
    with pytest.raises(BadRequest):
        cloudinary.uploader.upload(stream(b"just some text, not an image", "notes.txt"), public_id="text")
    assert cloud.record("big") is None and cloud.record("text") is None
    assert cloudinary.api.resources()["resources"] == []


def test_hostile_parameters(cloud: Cloud) -> None:
    file = {"file": ("a.png", png(4, 4))}
    huge = _post(cloud, "upload", _signed(cloud, tags="x" * 70_000), files=file)
    assert huge.status_code == 400 and "longer than" in huge.json()["error"]["message"]
    signed = _signed(cloud, public_id="safe")
    injected = _post(cloud, "upload", {**signed, "public_id[]": "evil"}, files=file)
    assert (injected.status_code, injected.json()["error"]["message"]) == (400, "Parameter public_id given more than once")
    doubled = _post(cloud, "upload", {**signed, "public_id": ["safe", "evil"]}, files=file)
    assert doubled.status_code == 400
    query = httpx.post(f"{cloud.base}/v1_1/{cloud.name}/image/upload?public_id=evil", data=signed, files=file)
    assert query.status_code == 400
    for traversal in ("../../etc/passwd", "a/../b", "/abs", "a//b", "x\x00y", "a\\b"):
        answer = _post(cloud, "upload", _signed(cloud, public_id=traversal), files=file)
        assert answer.status_code == 400, traversal
    unknown = _post(cloud, "upload", _signed(cloud, moderation="manual"), files=file)
    assert unknown.json()["error"]["message"] == "Unsupported parameter - moderation"
    many = _post(cloud, "upload", {f"p{i}": "1" for i in range(300)}, files=file)
    assert many.status_code == 400 and "Too many fields" in many.json()["error"]["message"]
    assert cloudinary.api.resources()["resources"] == []


def test_remote_urls_go_through_the_fetch_rules(cloud: Cloud) -> None:
    for url in (f"{cloud.base}/healthz", "http://127.0.0.1:9/x.png", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]/x.png", "http://localhost./x.png", "http://2130706433/x.png"):
        with pytest.raises(NotAllowed):
            cloudinary.uploader.upload(url, public_id="ssrf")
    with pytest.raises(BadRequest, match=r"Error in loading http://127\.0\.0\.1:\d+/missing\.png"):
        cloudinary.uploader.upload(f"{cloud.remote}/missing.png", public_id="ssrf")
    with pytest.raises(BadRequest):
        cloudinary.uploader.upload(f"{cloud.remote}/notes.txt", public_id="ssrf")
    for other_scheme in ("file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "/etc/passwd"):
        answer = _post(cloud, "upload", _signed(cloud, public_id="ssrf", file=other_scheme))
        assert answer.status_code == 400, other_scheme
        assert answer.json()["error"]["message"].startswith("Invalid file")
    assert cloud.record("ssrf") is None


def test_malformed_bodies(cloud: Cloud) -> None:
    url = f"{cloud.base}/v1_1/{cloud.name}/resources/image/upload"
    auth = (cloud.api_key, cloud.api_secret)
    deep = httpx.request("DELETE", url, auth=auth, content=b"[" * 100_000, headers={"Content-Type": "application/json"})
    assert deep.status_code == 400
    nested = httpx.request("DELETE", url, auth=auth, json={"public_ids": [["a"]]})
    assert nested.status_code == 400
    both = httpx.request("DELETE", url, auth=auth, json={"public_ids": ["a"], "all": True})
    assert both.json()["error"]["message"] == "Give exactly one of public_ids, prefix or all=true"
    now = str(int(time.time()))
    garbage = _post(cloud, "upload", {"timestamp": now, "signature": "zz", "api_key": cloud.api_key})
    assert garbage.status_code == 401 and "expected 40 or 64 hexadecimal digits" in garbage.text
    unsigned_key = _post(cloud, "upload", {"timestamp": now, "api_key": cloud.api_key})
    assert unsigned_key.json()["error"]["message"] == "Missing required parameter - signature"


def test_the_admin_api_allowance_is_reported_and_enforced(tmp_path: Path) -> None:

    from tests.helpers import make_settings, register

    with AppClient(make_settings(tmp_path, admin_api_rate=2)) as client:
        account = register(client, "busy")
        key = client.post("/me/api-keys", headers=account.headers).json()
        auth = (key["api_key"], key["api_secret"])
        answers = [client.get("/v1_1/busy/resources/image", auth=auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 420]
    assert [a.headers["x-featureratelimit-remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[0].headers["x-featureratelimit-limit"] == "2"
    assert answers[0].headers["x-featureratelimit-reset"].endswith(" GMT")
    assert int(answers[2].headers["retry-after"]) <= 3600
    assert answers[2].json()["error"]["message"] == "Rate Limit Exceeded: 2 Admin API calls per hour"


def test_the_storage_quota_holds_on_the_upload_api(tmp_path: Path) -> None:
    from tests.helpers import make_settings, register

    first, second = png(64, 64, (200, 30, 30)), png(96, 96, (30, 30, 200))
    quota = len(first) + len(second) // 2
    with AppClient(make_settings(tmp_path, user_quota=quota)) as client:
        account = register(client, "full")
        key = client.post("/me/api-keys", headers=account.headers).json()

        def upload(data: bytes, public_id: str) -> httpx.Response:
            params = {"public_id": public_id, "timestamp": str(int(time.time()))}
            body = {**params, "signature": sign(params, key["api_secret"]), "api_key": key["api_key"]}
            return client.post("/v1_1/full/image/upload", data=body, files={"file": ("f.png", data, "image/png")})

        assert upload(first, "one").status_code == 200
        refused = upload(second, "two")
        listed = client.get("/v1_1/full/resources/image", auth=(key["api_key"], key["api_secret"])).json()
    assert refused.status_code == 400  # Cloudinary answers every refused upload with 400 (the SDK's BadRequest)
    assert refused.json()["error"]["message"] == f"The upload would exceed your storage quota of {quota} bytes"
    assert [r["public_id"] for r in listed["resources"]] == ["one"]
