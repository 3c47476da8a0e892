"""The OpenAPI document: our error model instead of FastAPI's 422, and the bearer scheme."""

from __future__ import annotations

from fastapi.testclient import TestClient

ANONYMOUS_ONLY = {("post", "/api/v1/auth/token"), ("post", "/api/auth/token/"),
                  ("get", "/api/health")}
OPTIONAL = {("get", "/api/v1/videos"), ("get", "/api/v1/videos/{video_id}"),
            ("get", "/api/v1/videos/{video_id}/playback"),
            ("get", "/api/v1/videos/{video_id}/poster"), ("get", "/api/videos/"),
            ("get", "/api/videos/{video_id}/presign-download/"),
            ("get", "/api/v1/catalog/facts"), ("get", "/api/v1/catalog/videos/{video_id}/rungs"),
            ("get", "/api/v1/catalog/insights")}
SIGNED_PATH = ("get", "/api/v1/play/{video_id}/{expires}/{token}/{path}")


def _operations(document: dict) -> dict[tuple[str, str], dict]:
    return {(method, path): op for path, ops in document["paths"].items()
            for method, op in ops.items()}


def test_errors_are_documented_as_they_are_answered(client: TestClient) -> None:
    """No route documents a 422; every error status is our `ErrorOut`, and validation is a
    400 on every route that takes input."""
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorOut"]["required"]) == {"error", "message"}
    for (method, path), op in _operations(document).items():
        assert "422" not in op["responses"], (method, path)
        takes_input = "requestBody" in op or any(
            p["in"] in ("query", "body") for p in op.get("parameters", []))
        if takes_input:
            assert "400" in op["responses"], (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    (too_many,) = [op["responses"]["429"] for (m, p), op in _operations(document).items()
                   if p == "/api/v1/auth/token" and m == "post"]
    assert "Retry-After" in too_many["headers"]


def test_routes_that_read_a_token_carry_the_bearer_scheme(client: TestClient) -> None:
    """Routes needing a user require `bearer`, routes anyone may call take it optionally, and
    sign-in, health and signed playlist paths take none."""
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for key, op in _operations(document).items():
        if key in ANONYMOUS_ONLY or key == SIGNED_PATH:
            assert "security" not in op, key
        elif key in OPTIONAL:
            assert op["security"] == [{}, {"bearer": []}], key
        else:
            assert op["security"] == [{"bearer": []}], key
            assert "401" in op["responses"], key


def test_docs_page_offers_authorize(client: TestClient) -> None:
    """/docs serves Swagger UI over the document that declares the scheme (its Authorize)."""
    page = client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
