"""The starter's contract under /api/: exact paths, trailing slashes and fields."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reelhouse import keys
from signing_api.deps import Services
from tests.helpers import MEDIA_VERSION
from tests.unit.api.conftest import auth


def test_token_endpoint_answers_token_only(client: TestClient, make_user) -> None:
    """POST /api/auth/token/ returns exactly {"token": ...}, usable as `Token <t>`."""
    user, _ = make_user(password="pass-word-1")
    response = client.post("/api/auth/token/", json={"username": user.username,
                                                     "password": "pass-word-1"})
    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    assert client.get("/api/videos/", headers=auth(response.json()["token"])).status_code == 200


def test_video_list_has_the_starter_fields(client: TestClient, make_user,
                                           make_video) -> None:
    """GET /api/videos/ is a plain list of {id, owner, title, description, uploaded_at}."""
    owner, _ = make_user()
    video = make_video(owner, visibility="public", title="Listed")
    make_video(owner, visibility="public", status="uploading")
    items = client.get("/api/videos/").json()
    assert isinstance(items, list)
    mine = [item for item in items if item["owner"] == owner.username]
    assert [item["id"] for item in mine] == [video.id]
    assert set(mine[0]) == {"id", "owner", "title", "description", "uploaded_at"}


def test_presign_then_register(client: TestClient, make_user, services: Services) -> None:
    """presign-upload gives a key from a new id; once the object is there, it registers."""
    _, token = make_user()
    got = client.post("/api/videos/presign-upload/", headers=auth(token),
                      json={"filename": "holiday.mov", "content_type": "video/quicktime"})
    assert got.status_code == 200, got.text
    assert set(got.json()) == {"upload_url", "s3_key"}
    key = got.json()["s3_key"]
    assert key.startswith("raw/") and key.endswith("/source")
    body = {"title": "Holiday", "description": "sea", "s3_key": key}
    early = client.post("/api/videos/", json=body, headers=auth(token))
    assert early.status_code == 409
    services.storage.put_bytes(key, b"movie", "video/quicktime")
    registered = client.post("/api/videos/", json=body, headers=auth(token))
    assert registered.status_code == 201, registered.text
    assert set(registered.json()) == {"id", "owner", "title", "description", "uploaded_at"}
    assert keys.source_key(registered.json()["id"]) == key
    again = client.post("/api/videos/", json=body, headers=auth(token))
    assert again.status_code == 403


def test_registering_another_users_key_fails(client: TestClient, make_user) -> None:
    """A key handed to someone else, or never handed out, cannot be registered."""
    _, alice = make_user()
    _, bob = make_user()
    key = client.post("/api/videos/presign-upload/", headers=auth(alice),
                      json={"filename": "a.mp4", "content_type": "video/mp4"}).json()["s3_key"]
    for candidate in (key, "raw/01ARZ3NDEKTSV4RRFFQ69G5FAV/source", "catalog/videos/x",
                      "../" + key):
        response = client.post("/api/videos/", headers=auth(bob),
                               json={"title": "mine now", "s3_key": candidate})
        assert response.status_code == 403, candidate
        assert response.json()["error"] == "key_not_granted"


def test_multipart_contract(client: TestClient, make_user, services: Services) -> None:
    """init, presign, complete and register work with the starter's field names."""
    _, token = make_user()
    init = client.post("/api/videos/multipart/init/", headers=auth(token),
                       json={"filename": "big.mp4", "content_type": "video/mp4"}).json()
    assert set(init) == {"upload_id", "s3_key"}
    part = client.post("/api/videos/multipart/presign/", headers=auth(token),
                       json={**init, "part_number": 1})
    assert part.status_code == 200 and set(part.json()) == {"url"}
    s3 = services.storage
    etag = s3.client.upload_part(Bucket=s3.bucket, Key=init["s3_key"], PartNumber=1,
                                 UploadId=init["upload_id"], Body=b"x" * 10)["ETag"]
    done = client.post("/api/videos/multipart/complete/", headers=auth(token),
                       json={**init, "parts": [{"PartNumber": 1, "ETag": etag}]})
    assert done.status_code == 200, done.text
    registered = client.post("/api/videos/", headers=auth(token),
                             json={"title": "Big", "s3_key": init["s3_key"]})
    assert registered.status_code == 201, registered.text


def test_multipart_calls_need_the_callers_own_upload_id(client: TestClient,
                                                        make_user) -> None:
    """presign and abort with another user's (or a made-up) upload id are refused."""
    _, alice = make_user()
    _, bob = make_user()
    init = client.post("/api/videos/multipart/init/", headers=auth(alice)).json()
    for token, body in ((bob, init), (alice, {**init, "upload_id": "made-up"})):
        assert client.post("/api/videos/multipart/presign/", headers=auth(token),
                           json={**body, "part_number": 1}).status_code == 403
        assert client.post("/api/videos/multipart/abort/", headers=auth(token),
                           json=body).status_code == 403
    aborted = client.post("/api/videos/multipart/abort/", headers=auth(alice), json=init)
    assert aborted.json() == {"status": "aborted", "s3_key": init["s3_key"]}


def test_presign_download_gives_a_playable_url(client: TestClient, make_user,
                                               make_video) -> None:
    """A ready video's URL is its progressive MP4; an uploaded one's is the source, for its
    owner only."""
    owner, token = make_user()
    ready = make_video(owner, status="ready")
    uploaded = make_video(owner, status="uploaded")
    url = client.get(f"/api/videos/{ready.id}/presign-download/").json()["url"]
    assert f"/{keys.progressive_key(ready.id, MEDIA_VERSION)}?" in url
    url = client.get(f"/api/videos/{uploaded.id}/presign-download/",
                     headers=auth(token)).json()["url"]
    assert f"/{keys.source_key(uploaded.id)}?" in url
    anonymous = client.get(f"/api/videos/{uploaded.id}/presign-download/")
    assert (anonymous.status_code, anonymous.json()["error"]) == (409, "not_ready")


def test_presign_download_never_serves_a_failed_upload(client: TestClient, make_user,
                                                       make_video) -> None:
    """A failed public video's raw upload is signed for nobody, its owner included."""
    owner, token = make_user()
    failed = make_video(owner, status="failed")
    for headers in ({}, auth(token)):
        response = client.get(f"/api/videos/{failed.id}/presign-download/", headers=headers)
        assert (response.status_code, response.json()["error"]) == (409, "failed")


def test_legacy_writes_need_a_token(client: TestClient) -> None:
    """Every starter endpoint that writes answers 401 to anonymous callers."""
    for path in ("/api/videos/", "/api/videos/presign-upload/", "/api/videos/multipart/init/",
                 "/api/videos/multipart/presign/", "/api/videos/multipart/complete/",
                 "/api/videos/multipart/abort/"):
        assert client.post(path, json={}).status_code == 401, path
        assert client.post(path, content=b"{not json").status_code in (400, 401), path


def test_part_etags_with_control_characters_are_refused(client: TestClient, make_user) -> None:
    """An ETag carrying a NUL or other control character is a 400, never sent on to S3."""
    _, token = make_user()
    init = client.post("/api/videos/multipart/init/", headers=auth(token)).json()
    for etag in ("\x00", "a\nb", "\x7f"):
        done = client.post("/api/videos/multipart/complete/", headers=auth(token),
                           json={**init, "parts": [{"PartNumber": 1, "ETag": etag}]})
        assert done.status_code == 400 and done.json()["message"].startswith("parts.0.ETag")
