"""``GET /capabilities``, background removal without its extra or model (503, never 500), and the model
warmed at start-up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from imgorigin.client.urls import signed_path
from imgorigin.ops import background
from imgorigin.transform import cutout
from imgorigin.transform.cutout import is_installed
from tests.helpers import IN_CI, TEST_URL_SECRET, AppClient, make_settings, register, services_of

MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
EXTRA_MISSING = "Background removal is not installed on this server: pip install 'imgorigin[bg]'"
MODEL_MISSING = "Background removal needs its model, which is not installed: run `imgorigin models install`"


def test_without_the_model_it_says_why(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, model_dir=tmp_path / "no-models", max_upload_bytes=1234567)
    with AppClient(settings) as client:
        response = client.get("/capabilities")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "background_removal": {"available": False, "reason": MODEL_MISSING, "ready": False},
        "max_upload_bytes": 1234567,
    }


def test_without_the_extra_the_effect_is_a_503_not_a_500(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Quick-start install has no rembg, onnxruntime or PIL: the effect must say so, whatever imports first."""
    monkeypatch.setattr(cutout, "_PACKAGES", ("rembg", "imgorigin_no_such_package"))
    settings = make_settings(tmp_path, model_dir=MODEL_DIR)
    with AppClient(settings) as client:
        assert client.get("/capabilities").json()["background_removal"] == {
            "available": False, "reason": EXTRA_MISSING, "ready": False,
        }
        image_id = register(client, "erin").upload("chelsea.png")["id"]
        delivered = client.get(signed_path(TEST_URL_SECRET, image_id, "e_background_removal", "png"))
        assert (delivered.status_code, delivered.text) == (503, EXTRA_MISSING + "\n")
        account = register(client, "fay")
        account_image = account.upload("chelsea.png")["id"]
        transformed = client.post(f"/images/{account_image}/transform", headers=account.headers,
                                  json={"transformations": {"filters": {"remove_background": True}}})
        assert transformed.status_code == 503
        assert transformed.json() == {"error": {"code": "model_not_installed", "message": EXTRA_MISSING}}


def test_the_model_is_loaded_at_start_up(tmp_path: Path) -> None:
    if not is_installed(MODEL_DIR):
        if IN_CI:
            pytest.fail("the model is required in CI (imgorigin models install)")
        pytest.skip("the background-removal model is not installed")
    settings = make_settings(tmp_path, model_dir=MODEL_DIR, bg_removal_warm=True)
    with AppClient(settings) as client:
        deadline = time.monotonic() + 120
        state = client.get("/capabilities").json()["background_removal"]
        while not state["ready"] and time.monotonic() < deadline:
            time.sleep(0.25)
            state = client.get("/capabilities").json()["background_removal"]
        # Nobody asked for a removal: the start-up loaded the model.
        assert state == {"available": True, "reason": None, "ready": True}
        assert services_of(client).background_remover._session is not None


@pytest.mark.parametrize("warm", [False, True])
def test_off_by_setting_nothing_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    # The start-up schedules the load or not, before it answers a request: no later moment to wait for.
    scheduled: list[object] = []

    async def record(services: object) -> None:
        scheduled.append(services)

    monkeypatch.setattr(background, "warm_models", record)
    settings = make_settings(tmp_path, model_dir=MODEL_DIR, bg_removal_warm=warm)
    with AppClient(settings) as client:
        assert len(scheduled) == int(warm)
        assert client.get("/capabilities").json()["background_removal"]["ready"] is False
        assert services_of(client).renderer.background_remover._session is None
