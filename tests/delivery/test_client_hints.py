"""w_auto and dpr_auto through the real app: hints in, the right width, Accept-CH and Vary out."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from imgorigin.http.hints import ACCEPT_CH
from imgorigin.transform.values import OutputFormat
from tests.delivery.test_delivery import dims as size
from tests.helpers import Account, services_of, signed

WIDTH_VARY = "Sec-CH-Width, Width, Sec-CH-Viewport-Width, Viewport-Width, Sec-CH-DPR, DPR"


@pytest.fixture
def image_id(alice: Account) -> str:
    return str(alice.upload("rocket.jpg")["id"])  # 640x427


def test_two_widths_in_one_step_share_one_entry(client: TestClient, image_id: str) -> None:
    url = signed("c_limit,w_auto:100:300", f"{image_id}.jpg")
    first = client.get(url, headers={"Sec-CH-Width": "401"})
    second = client.get(url, headers={"Sec-CH-Width": "499"})
    assert first.status_code == second.status_code == 200
    assert size(first.content)[0] == 500
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["vary"] == WIDTH_VARY
    assert first.headers["accept-ch"] == ACCEPT_CH
    # The next step is another entry, the same as the plain URL of that width.
    third = client.get(url, headers={"Sec-CH-Width": "501"})
    assert size(third.content)[0] == 600
    assert third.headers["etag"] == client.get(signed("c_limit,w_600", f"{image_id}.jpg")).headers["etag"]


def test_hint_names_old_and_new_and_the_viewport(client: TestClient, image_id: str) -> None:
    url = signed("w_auto:100:300", f"{image_id}.png")
    assert size(client.get(url, headers={"Width": "180"}).content)[0] == 200
    assert size(client.get(url, headers={"Sec-CH-Viewport-Width": "150", "Sec-CH-DPR": "2"}).content)[0] == 300
    assert size(client.get(url, headers={"Viewport-Width": "120", "DPR": "3"}).content)[0] == 400
    assert size(client.get(url, headers={"Sec-CH-Width": "90", "Viewport-Width": "600"}).content)[0] == 100


def test_without_hints_the_fallback_then_the_original(client: TestClient, image_id: str) -> None:
    assert size(client.get(signed("w_auto:100:300", f"{image_id}.jpg")).content) == (300, 200)
    assert size(client.get(signed("w_auto", f"{image_id}.jpg")).content) == (640, 427)


def test_never_wider_than_the_original(client: TestClient, image_id: str) -> None:
    response = client.get(signed("w_auto:100", f"{image_id}.jpg"), headers={"Sec-CH-Width": "2000"})
    assert size(response.content) == (640, 427)


def test_dpr_auto_from_the_dpr_hint(client: TestClient, image_id: str) -> None:
    url = signed("w_100,dpr_auto", f"{image_id}.jpg")
    response = client.get(url, headers={"Sec-CH-DPR": "1.5"})
    assert size(response.content)[0] == 200  # rounded up to 2.0
    assert response.headers["vary"] == "Sec-CH-DPR, DPR"
    assert size(client.get(url).content)[0] == 100
    assert size(client.get(url, headers={"DPR": "3"}).content)[0] == 300


def test_vary_adds_accept_for_f_auto_and_is_absent_without_auto_values(client: TestClient, image_id: str) -> None:
    hinted = client.get(signed("w_auto:100:200/f_auto", f"{image_id}.jpg"), headers={"Accept": "image/webp"})
    assert hinted.headers["vary"] == f"Accept, {WIDTH_VARY}"
    assert hinted.headers["content-type"] == "image/webp"
    plain = client.get(signed("w_200", f"{image_id}.jpg"), headers={"Sec-CH-Width": "500"})
    assert "vary" not in plain.headers
    assert plain.headers["accept-ch"] == ACCEPT_CH
    assert size(plain.content)[0] == 200


@pytest.mark.parametrize("value", [
    "-300", "0", "abc", "NaN", "inf", "1e9", "300px", "3" * 40, "", " ", "300, 400", "0x100", "300.5.1", "+300",
    "1234567", "300;q=1", "\u0663\u0660\u0660".encode(), b"300\xff",
])
def test_hostile_width_hints_fall_back(client: TestClient, image_id: str, value: str | bytes) -> None:
    response = client.get(signed("w_auto:100:300", f"{image_id}.jpg"), headers={"Sec-CH-Width": value})
    assert response.status_code == 200
    assert size(response.content) == (300, 200)


@pytest.mark.parametrize("value", ["-2", "0", "nan", "1e3", "17", "abc", "2x"])
def test_hostile_dpr_hints_count_as_one(client: TestClient, image_id: str, value: str) -> None:
    response = client.get(signed("w_100,dpr_auto", f"{image_id}.jpg"), headers={"Sec-CH-DPR": value})
    assert response.status_code == 200
    assert size(response.content)[0] == 100


def test_a_hint_sent_twice_counts_as_absent(client: TestClient, image_id: str) -> None:
    url = signed("w_auto:100:300", f"{image_id}.jpg")
    twice = client.get(url, headers=[("Sec-CH-Width", "500"), ("Sec-CH-Width", "200")])
    assert size(twice.content) == (300, 200)
    # The older name still counts when the newer one is unusable.
    assert size(client.get(url, headers=[("Sec-CH-Width", "abc"), ("Width", "180")]).content)[0] == 200


def test_huge_width_hint_is_capped(client: TestClient, image_id: str) -> None:
    response = client.get(signed("w_auto:1", f"{image_id}.jpg"), headers={"Sec-CH-Width": "999999"})
    assert response.status_code == 200
    assert size(response.content)[0] == 640


def test_the_signature_covers_the_url_as_written(client: TestClient, image_id: str) -> None:
    written = signed("w_auto:100", f"{image_id}.jpg")
    assert client.get(written, headers={"Sec-CH-Width": "250"}).status_code == 200
    # The signature of the resolved width does not stand in for w_auto.
    sig = signed("w_300", f"{image_id}.jpg").split("/")[2]
    assert client.get(f"/t/{sig}/w_auto:100/{image_id}.jpg").status_code == 403


def test_bad_auto_values_are_400_with_the_message(client: TestClient, image_id: str) -> None:
    response = client.get(signed("w_auto:0", f"{image_id}.jpg"))
    assert response.status_code == 400
    assert response.text == (
        "Invalid w_auto:0: expected auto, auto:<step> or auto:<step>:<fallback>, with a step and a fallback "
        "between 1 and 16383 pixels for width\n"
    )


def test_the_probe_names_the_entry_without_rendering(client: TestClient, image_id: str) -> None:
    url = signed("c_limit,w_auto:100:300", f"{image_id}.jpg")
    probes = [client.get(url, headers={"Sec-CH-Width": width, "X-Imgorigin-Probe": "1"}) for width in ("401", "499")]
    assert [probe.status_code for probe in probes] == [204, 204]
    assert probes[0].headers["x-imgorigin-variant"] == probes[1].headers["x-imgorigin-variant"]
    other = client.get(url, headers={"Sec-CH-Width": "501", "X-Imgorigin-Probe": "1"})
    assert other.headers["x-imgorigin-variant"] != probes[0].headers["x-imgorigin-variant"]
    rendered = client.get(url, headers={"Sec-CH-Width": "450"})
    assert rendered.headers["x-cache"] == "MISS"  # the probes rendered nothing
    assert rendered.headers["etag"] == f'"{probes[0].headers["x-imgorigin-variant"]}"'


def test_playground_page_asks_for_hints(client: TestClient) -> None:
    assert client.get("/").headers["accept-ch"] == ACCEPT_CH


def test_w_auto_with_expressions(client: TestClient, image_id: str) -> None:
    chosen = client.get(signed("if_iw_gt_500/c_limit,w_auto:100:300/if_end", f"{image_id}.jpg"),
                        headers={"Sec-CH-Width": "420"})
    assert chosen.status_code == 200, chosen.text
    assert size(chosen.content)[0] == 500
    assert chosen.headers["vary"] == WIDTH_VARY  # a branch that may read the hints varies with them
    assert chosen.headers["etag"] == client.get(signed("c_limit,w_500", f"{image_id}.jpg")).headers["etag"]
    refused = client.get(signed("$s_50/w_auto:$s", f"{image_id}.jpg"))
    assert (refused.status_code, refused.text) == (
        400, "w_auto takes whole numbers, not variables or arithmetic (w_auto:$s)\n")


@pytest.mark.parametrize(("transformation", "message"), [
    ("l_logo,w_auto", "w_auto sizes the delivered image; it cannot stand inside an overlay (l_logo,w_auto)"),
    ("l_logo/h_10,dpr_auto/fl_layer_apply",
     "dpr_auto sizes the delivered image; it cannot stand inside an overlay (h_10,dpr_auto)"),
    ("w_auto:100:9000", "Invalid w_auto:100:9000: the largest width is 8192 pixels"),
    ("w_auto:99999", "Invalid w_auto:99999: expected auto, auto:<step> or auto:<step>:<fallback>, with a step "
                     "and a fallback between 1 and 16383 pixels for width"),
    ("dpr_auto:2,w_100", "Invalid dpr_auto:2: expected auto alone (the ratio comes from the browser's DPR hint) "
                         "for device pixel ratio"),
])
def test_misplaced_or_absurd_auto_values_are_400(
        client: TestClient, image_id: str, transformation: str, message: str) -> None:
    response = client.get(signed(transformation, f"{image_id}.jpg"), headers={"Sec-CH-Width": "300"})
    assert (response.status_code, response.text) == (400, f"{message}\n")
    probe = client.get(signed(transformation, f"{image_id}.jpg"),
                       headers={"Sec-CH-Width": "300", "X-Imgorigin-Probe": "1"})
    assert probe.status_code == 400  # a probe names no entry for a URL the origin refuses


def test_a_render_without_a_request_resolves_as_no_hints(client: TestClient, image_id: str) -> None:
    # Eager jobs and the API derive without a request: w_auto is its fallback, dpr_auto 1.0.
    services = services_of(client)
    plan = services.transformations.parse("c_limit,w_auto:100:300,dpr_auto")
    assert client.portal is not None
    derived = client.portal.call(services.renderer.derive, image_id, plan, OutputFormat.JPEG)
    assert size(derived.data) == (300, 200)
    assert derived.etag == client.get(signed("c_limit,dpr_1.0,w_300", f"{image_id}.jpg")).headers["etag"]
