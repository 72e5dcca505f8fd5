"""``IMGORIGIN_ROLE``: a render node serves delivery, health and metrics and never opens the database."""

from __future__ import annotations

from pathlib import Path

import pyvips

from imgorigin.client.urls import signed_path
from tests.helpers import TEST_URL_SECRET, AppClient, make_settings, register

CONTROL_PATHS = [("POST", "/register"), ("POST", "/login"), ("GET", "/images"), ("GET", "/me"),
                 ("GET", "/me/api-keys"), ("POST", "/sign"), ("GET", "/openapi.json"), ("GET", "/")]


def test_a_render_node_serves_the_shared_store_without_a_database(tmp_path: Path) -> None:
    control_settings = make_settings(tmp_path, role="control")
    with AppClient(control_settings) as control:
        account = register(control, "alice")
        image_id = account.upload()["id"]
        # a control node does not deliver
        assert control.get(signed_path(TEST_URL_SECRET, image_id, "w_10", "png")).status_code == 404

    render_settings = make_settings(tmp_path, role="render", data_dir=control_settings.data_dir)
    control_settings.db_path.rename(tmp_path / "moved.db")  # prove the render node never reads it
    with AppClient(render_settings) as render:
        response = render.get(signed_path(TEST_URL_SECRET, image_id, "w_40", "png"))
        assert response.status_code == 200
        assert pyvips.Image.new_from_buffer(response.content, "").width == 40
        for method, path in CONTROL_PATHS:
            assert render.request(method, path).status_code in (404, 405), path
        assert render.get("/healthz").json() == {"status": "ok"}
        assert render.get("/readyz").json() == {"status": "ready"}
        assert render.get("/metrics").status_code == 200
    assert not render_settings.db_path.exists()


def test_a_render_node_never_creates_a_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, role="render")
    with AppClient(settings) as render:
        assert render.post("/register", json={"username": "mallory", "password": "long enough pw"}).status_code == 404
        assert render.get("/readyz").status_code == 200
    assert not settings.db_path.exists()
    assert not any(path.name.startswith("imgorigin.db") for path in settings.data_dir.iterdir())


def test_the_default_role_serves_both_planes(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path)) as both:
        image_id = register(both, "alice").upload()["id"]
        assert both.get(signed_path(TEST_URL_SECRET, image_id, "w_20", "png")).status_code == 200
        assert both.get("/me/api-keys", headers={"Authorization": "Bearer x"}).status_code == 401


def test_an_unknown_role_is_refused_at_start(tmp_path: Path) -> None:
    import pytest

    from imgorigin.config import SettingsError

    with pytest.raises(SettingsError, match="IMGORIGIN_ROLE must be all, control or render"):
        make_settings(tmp_path, role="worker")


def test_a_render_node_serves_cloudinary_layouts_from_published_state(tmp_path: Path) -> None:
    import io

    import cloudinary.utils

    from tests.helpers import photo

    control_settings = make_settings(tmp_path, role="control", state_ttl=0.0)
    with AppClient(control_settings) as control:
        alice = register(control, "alice")
        key = control.post("/me/api-keys", headers=alice.headers).json()
        control.post("/images", headers=alice.headers, data={"public_id": "cat", "folder": "samples/animals"},
                     files={"file": ("r.jpg", io.BytesIO(photo("rocket.jpg")), "image/jpeg")})
        url, _ = cloudinary.utils.cloudinary_url(
            "samples/animals/cat", cloud_name="alice", api_key=key["api_key"], api_secret=key["api_secret"],
            secure=True, secure_distribution="testserver", sign_url=True, long_url_signature=True,
            format="png", width=33, crop="scale")
        path = str(url).removeprefix("https://testserver")

        # the same data directory stands for the shared bucket (test_cluster does it with S3)
        render_settings = make_settings(tmp_path, role="render", data_dir=control_settings.data_dir,
                                        state_ttl=0.0)
        with AppClient(render_settings) as render:
            response = render.get(path)
            assert response.status_code == 200
            assert pyvips.Image.new_from_buffer(response.content, "").width == 33
            # a key revoked on the control node stops working on the render node
            control.delete(f"/me/api-keys/{key['api_key']}", headers=alice.headers)
            assert render.get(path.replace("w_33", "w_34")).status_code == 403
            assert render.get(path).status_code == 403  # even for a cached derivative
            assert render.post("/me/api-keys", headers=alice.headers).status_code == 404
