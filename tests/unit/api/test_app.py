"""The app as a whole: health, docs, CORS, body limits, headers and JSON errors."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signing_api.errors import ApiError
from tests.unit.api.conftest import auth


def test_health_and_docs(client: TestClient) -> None:
    """/api/health answers ok and the OpenAPI docs are served."""
    assert client.get("/api/health").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/uploads" in paths and "/api/videos/presign-upload/" in paths


def test_cors_allows_configured_origins_only(client: TestClient) -> None:
    """A preflight from a configured origin is allowed; others get no CORS grant."""
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    ok = client.options("/api/v1/uploads", headers={"Origin": "https://app.example",
                                                    **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    bad = client.options("/api/v1/uploads", headers={"Origin": "https://evil.example",
                                                     **preflight})
    assert bad.status_code == 400
    assert "access-control-allow-origin" not in bad.headers
    simple = client.get("/api/v1/videos", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_unknown_routes_and_methods_are_json(client: TestClient) -> None:
    """404 and 405 come back in the same JSON shape as every other error."""
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    wrong = client.put("/api/health")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method_not_allowed")


def test_malformed_json_is_a_400(client: TestClient, make_user) -> None:
    """A body that is not JSON, or JSON of the wrong shape, is a 400 naming the problem."""
    _, token = make_user()
    for body in (b"{not json", b'{"size": 1', b"\xff\xfe", b"[]", b"null", b'"text"'):
        response = client.post("/api/v1/uploads", content=body, headers={
            **auth(token), "Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.json()["error"] in ("malformed_json", "invalid_request")


def test_validation_errors_do_not_echo_input(client: TestClient, make_user) -> None:
    """An invalid 100 KB field is reported by name, without sending the value back."""
    _, token = make_user()
    response = client.post("/api/v1/uploads", headers=auth(token), json={
        "filename": "a.mp4", "size": 1, "content_type": "video/mp4", "title": "X" * 100_000})
    assert response.status_code == 400
    assert "XXXX" not in response.text
    assert response.json()["details"][0]["field"] == "title"


def test_large_bodies_are_refused(client: TestClient, make_user) -> None:
    """Request bodies over 1 MiB are a 413 before any route reads them."""
    _, token = make_user()
    response = client.post("/api/v1/uploads", content=b"x" * (2 * 1024 * 1024),
                           headers={**auth(token), "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_responses_carry_safe_headers(client: TestClient) -> None:
    """API answers are not cached or sniffed by default."""
    response = client.get("/api/v1/videos")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_unexpected_errors_are_500_without_internals(app: FastAPI,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected exception becomes a bare 500 and a log line naming only the route."""

    @app.get("/api/test-crash/{secret}")
    def crash(secret: str) -> None:
        raise RuntimeError(f"database password is {secret}")

    @app.get("/api/test-api-error")
    def refuse() -> None:
        raise ApiError(418, "teapot", "short and stout")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="signing_api"):
        response = client.get("/api/test-crash/hunter2?X-Amz-Signature=abc")
    assert response.status_code == 500
    assert response.json() == {"error": "internal", "message": "internal error"}
    assert "X-Amz-Signature" not in caplog.text and "/api/test-crash/{secret}" in caplog.text
    assert client.get("/api/test-api-error").json() == {"error": "teapot",
                                                        "message": "short and stout"}


def test_streamed_large_bodies_are_refused(client: TestClient, make_user) -> None:
    """A chunked body without Content-Length is cut off at the limit with a 4xx."""
    _, token = make_user()

    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = client.post("/api/v1/uploads", content=chunks(),
                           headers={**auth(token), "Content-Type": "application/json"})
    assert response.status_code in (400, 413)
    assert response.json()["error"] in ("too_large", "bad_request")


def test_tokens_and_signatures_stay_out_of_logs(client: TestClient, make_user, make_video,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """Signing in, uploading and playing log neither the token nor any URL signature."""
    user, _ = make_user(password="log-me-not")
    video = make_video(user, visibility="public")
    with caplog.at_level(logging.INFO):
        token = client.post("/api/v1/auth/token", json={"username": user.username,
                                                        "password": "log-me-not"}).json()
        up = client.post("/api/v1/uploads", headers=auth(token["token"]), json={
            "filename": "a.mp4", "size": 5, "content_type": "video/mp4"}).json()
        play = client.get(f"/api/v1/videos/{video.id}/playback").json()
        client.get(play["hls"])  # the object is missing: a 404 that must not log the path
    secrets = [token["token"].split("_", 2)[2], up["put"]["url"].rsplit("=", 1)[1],
               play["hls"].split("/")[-3], "log-me-not"]
    # httpx (the test's own client) logs its request lines; only the server's logs count.
    server = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    assert not [s for s in secrets if s in server]
