"""``GET /openapi.json``: a valid OpenAPI 3.1 document that describes every route of the app."""

from __future__ import annotations

from openapi_spec_validator import validate
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from imgorigin.api.openapi import OPERATIONS, routed_operations


def test_document_is_valid_openapi_31(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_of_the_app_is_documented(client: TestClient) -> None:
    """A route added without an entry in OPERATIONS fails here."""
    app = client.app
    routed = set(routed_operations(app.routes))  # type: ignore[attr-defined]
    undocumented = sorted(routed - set(OPERATIONS))
    assert undocumented == [], f"add these to imgorigin/api/openapi.py OPERATIONS: {undocumented}"
    document = client.get("/openapi.json").json()
    listed = {(path, method) for path, item in document["paths"].items() for method in item}
    assert listed == routed
    for route in app.routes:  # type: ignore[attr-defined]
        # Static files are the only other kind of route; anything else would escape the walk above.
        assert isinstance(route, Route | Mount), route
        if isinstance(route, Route) and not route.include_in_schema:
            if route.path.startswith("/v1_1/"):
                continue  # Cloudinary's Upload and Admin APIs: Cloudinary's own reference describes them
            # only HTML pages may stay out of the document
            page = client.get(route.path)
            assert page.status_code == 200, route.path
            assert page.headers["content-type"].startswith("text/html"), route.path


def test_the_core_routes_are_there(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/images"]) == {"get", "post"}
    assert set(paths["/images/{id}"]) == {"get", "delete"}
    assert set(paths["/me"]) == {"get", "delete"}
    assert set(paths["/t/{path}"]) == {"get", "head"}
    for path in ("/register", "/login", "/images/{id}/transform", "/sign"):
        assert "post" in paths[path]
    assert paths["/images/{id}/download"]["get"]["responses"]["200"]["content"]["image/png"]
    error = client.get("/openapi.json").json()["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]


def test_public_operations_need_no_token(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/register"]["post"]["security"] == []
    assert paths["/login"]["post"]["security"] == []
    assert "security" not in paths["/images"]["get"]  # inherits the document's bearer requirement
