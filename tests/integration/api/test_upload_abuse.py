"""Storage abuse and upload races against the real SeaweedFS (issue 11, findings 5, 6, 9):
lengths signed into upload URLs, quotas, the sweeper, failed uploads never downloadable,
complete racing abort."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.db import UploadSession, Video, new_id, utcnow
from signing_api.app import create_app
from signing_api.deps import Services
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


def _start(client: TestClient, token: str, size: int) -> httpx.Response:
    return client.post("/api/v1/uploads", headers=auth(token), json={
        "filename": "film.mp4", "size": size, "content_type": "video/mp4", "title": "Film"})


def sweep(*args: Any, **kwargs: Any) -> Any:
    from reelhouse.sweeper import sweep as run  # imported here: the replay on main has none

    return run(*args, **kwargs)


def _put(signed: dict, body: bytes) -> httpx.Response:
    return httpx.put(signed["url"], content=body, headers=signed["headers"])


def _expires(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0])


def _legacy_presign(client: TestClient, token: str, **extra: object) -> dict:
    response = client.post("/api/videos/presign-upload/", headers=auth(token), json={
        "filename": "cat.mp4", "content_type": "video/mp4", **extra})
    assert response.status_code == 200, response.text
    return response.json()


def _video_id(key: str) -> str:
    return key.split("/")[1]


# --- finding 5: lengths signed, URLs short-lived, quotas, the sweeper ----------------------

def test_legacy_presign_upload_signs_a_declared_length(client: TestClient, make_user,
                                                       services: Services) -> None:
    """A starter-contract PUT URL given `size` is refused by storage for any other length."""
    _, token = make_user()
    got = _legacy_presign(client, token, size=1000)
    headers = {"Content-Type": "video/mp4"}
    assert httpx.put(got["upload_url"], content=b"x" * 5000, headers=headers).status_code == 403
    assert httpx.put(got["upload_url"], content=b"x" * 999, headers=headers).status_code == 403
    assert not services.storage.exists(got["s3_key"])
    assert httpx.put(got["upload_url"], content=b"x" * 1000, headers=headers).status_code == 200
    registered = client.post("/api/videos/", headers=auth(token),
                             json={"title": "Cat", "s3_key": got["s3_key"]})
    assert registered.status_code == 201, registered.text


def test_legacy_urls_that_sign_no_length_are_short_lived(client: TestClient, make_user,
                                                         api_settings: Settings) -> None:
    """Without a declared length, the starter's PUT and part URLs live only
    REELHOUSE_LEGACY_UPLOAD_URL_TTL_S; with one, the usual upload lifetime."""
    _, token = make_user()
    short, usual = api_settings.legacy_upload_url_ttl_s, api_settings.upload_url_ttl_s
    assert short < usual
    assert _expires(_legacy_presign(client, token)["upload_url"]) == short
    assert _expires(_legacy_presign(client, token, size=10)["upload_url"]) == usual
    init = client.post("/api/videos/multipart/init/", headers=auth(token)).json()
    part = client.post("/api/videos/multipart/presign/", headers=auth(token),
                       json={**init, "part_number": 1}).json()
    assert _expires(part["url"]) == short


def test_part_urls_refuse_any_other_length(client: TestClient, make_user) -> None:
    """A part URL, ours or the starter's given `size`, is refused for a longer or shorter
    body: storage checks the signed Content-Length."""
    _, token = make_user()
    out = _start(client, token, 6 * MIB).json()
    first = out["parts"][0]
    assert _put(first, b"p" * (5 * MIB + 1)).status_code == 403
    assert _put(first, b"p" * (5 * MIB - 1)).status_code == 403
    assert _put(first, b"p" * (5 * MIB)).status_code == 200

    init = client.post("/api/videos/multipart/init/", headers=auth(token)).json()
    url = client.post("/api/videos/multipart/presign/", headers=auth(token),
                      json={**init, "part_number": 1, "size": 5 * MIB}).json()["url"]
    assert httpx.put(url, content=b"q" * (6 * MIB)).status_code == 403
    assert httpx.put(url, content=b"q" * (5 * MIB)).status_code == 200


@pytest.fixture(scope="module")
def quota_app(api_settings: Settings) -> FastAPI:
    """The API with a 1000-byte quota and at most two uploads in flight per user."""
    return create_app(api_settings.model_copy(update={"user_quota_bytes": 1000,
                                                      "user_uploads_in_flight": 2}))


def test_quota_of_bytes_and_uploads_in_flight(quota_app: FastAPI, make_user) -> None:
    """Past the quota of bytes a start is 413 `quota_exceeded`, past the uploads in flight
    409 `too_many_uploads`, each with a message; an admin is exempt."""
    client = TestClient(quota_app)
    _, token = make_user()
    assert _start(client, token, 600).status_code == 201
    over = _start(client, token, 600)
    assert (over.status_code, over.json()["error"]) == (413, "quota_exceeded")
    assert "over your quota of 1000" in over.json()["message"]
    assert _start(client, token, 100).status_code == 201
    third = _start(client, token, 100)
    assert (third.status_code, third.json()["error"]) == (409, "too_many_uploads")
    assert "complete or abort one" in third.json()["message"]
    _, admin = make_user("admin")
    for _ in range(3):
        assert _start(client, admin, 900).status_code == 201


def test_a_legacy_upload_over_the_quota_is_refused_at_registration(
        quota_app: FastAPI, make_user, services: Services) -> None:
    """A starter PUT that declared no length and went over the quota is refused when
    registered (413) and its object deleted."""
    client = TestClient(quota_app)
    _, token = make_user()
    got = _legacy_presign(client, token)
    assert httpx.put(got["upload_url"], content=b"z" * 1500,
                     headers={"Content-Type": "video/mp4"}).status_code == 200
    registered = client.post("/api/videos/", headers=auth(token),
                             json={"title": "Too big", "s3_key": got["s3_key"]})
    assert (registered.status_code, registered.json()["error"]) == (413, "quota_exceeded")
    assert not services.storage.exists(got["s3_key"])


def test_parallel_starts_stop_at_the_uploads_in_flight(quota_app: FastAPI, make_user) -> None:
    """A burst of parallel starts gets exactly the allowed number of uploads, no more."""
    _, token = make_user()
    statuses: list[int] = []
    gate = threading.Barrier(6)

    def start() -> None:
        client = TestClient(quota_app)
        gate.wait()
        statuses.append(_start(client, token, 10).status_code)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 201, 409, 409, 409, 409]


def test_a_put_after_abort_or_delete_is_swept(client: TestClient, make_user,
                                              services: Services) -> None:
    """A presigned PUT that lands after its upload was aborted, or its video deleted, leaves
    an object the sweeper removes; live videos' and in-flight uploads' objects stay."""
    _, token = make_user()
    aborted = _legacy_presign(client, token)
    video_id = _video_id(aborted["s3_key"])
    assert client.delete(f"/api/v1/uploads/{video_id}", headers=auth(token)).status_code == 204
    late = {"Content-Type": "video/mp4"}
    assert httpx.put(aborted["upload_url"], content=b"late", headers=late).status_code == 200

    deleted = _legacy_presign(client, token)
    assert httpx.put(deleted["upload_url"], content=b"mine", headers=late).status_code == 200
    gone = client.post("/api/videos/", headers=auth(token),
                       json={"title": "Gone", "s3_key": deleted["s3_key"]}).json()
    assert client.delete(f"/api/v1/videos/{gone['id']}", headers=auth(token)).status_code == 204
    assert httpx.put(deleted["upload_url"], content=b"again", headers=late).status_code == 200

    stray_media = f"{keys.media_prefix(new_id())}hls/master.m3u8"
    services.storage.put_bytes(stray_media, b"#EXTM3U")
    flying = _legacy_presign(client, token)
    assert httpx.put(flying["upload_url"], content=b"flying", headers=late).status_code == 200
    kept = _legacy_presign(client, token)
    assert httpx.put(kept["upload_url"], content=b"live", headers=late).status_code == 200
    live = client.post("/api/videos/", headers=auth(token),
                       json={"title": "Live", "s3_key": kept["s3_key"]}).json()
    live_media = f"{keys.media_prefix(live['id'])}hls/master.m3u8"
    services.storage.put_bytes(live_media, b"#EXTM3U")

    young = sweep(services.db, services.storage)
    assert services.storage.exists(aborted["s3_key"])  # within the grace period: kept
    assert aborted["s3_key"] not in young.raw_objects

    later = utcnow() + timedelta(seconds=services.settings.sweep_grace_s + 1)
    report = sweep(services.db, services.storage, now=later)
    assert {aborted["s3_key"], deleted["s3_key"]} <= set(report.raw_objects)
    assert keys.media_prefix(_video_id(stray_media)) in report.media_prefixes
    for key in (aborted["s3_key"], deleted["s3_key"], stray_media):
        assert not services.storage.exists(key), key
    for key in (flying["s3_key"], kept["s3_key"], live_media):
        assert services.storage.exists(key), key


def test_the_sweeper_aborts_abandoned_uploads_only(client: TestClient, make_user,
                                                   services: Services) -> None:
    """An upload untouched past REELHOUSE_UPLOAD_EXPIRY_S is aborted (parts, object, rows);
    one touched since is left to its client."""
    _, token = make_user()
    stale, fresh = _start(client, token, 6 * MIB).json(), _start(client, token, 6 * MIB).json()
    for out in (stale, fresh):
        assert _put(out["parts"][0], b"s" * (5 * MIB)).status_code == 200
    with services.db.session() as session:
        upload_id = session.get(UploadSession, stale["video_id"]).upload_id
    expiry = services.settings.upload_expiry_s
    later = utcnow() + timedelta(seconds=expiry + 60)
    with services.db.session() as session:
        session.execute(update(UploadSession)
                        .where(UploadSession.video_id == fresh["video_id"])
                        .values(touched_at=later - timedelta(seconds=60)))
    report = sweep(services.db, services.storage, now=later)
    assert stale["video_id"] in report.aborted_uploads
    assert fresh["video_id"] not in report.aborted_uploads
    key = keys.source_key(stale["video_id"])
    with pytest.raises(Exception, match="no object"):
        services.storage.list_parts(key, upload_id)
    with services.db.session() as session:
        assert session.get(Video, stale["video_id"]) is None
        assert session.get(Video, fresh["video_id"]) is not None
    status = client.get(f"/api/v1/uploads/{fresh['video_id']}", headers=auth(token)).json()
    assert [p["part_number"] for p in status["held"]] == [1]


def test_the_sweeper_aborts_multipart_uploads_no_session_knows(services: Services) -> None:
    """A multipart upload started in storage whose row never committed is aborted."""
    key = keys.source_key(new_id())
    upload_id = services.storage.create_multipart(key, "video/mp4")
    later = utcnow() + timedelta(seconds=services.settings.sweep_grace_s + 1)
    report = sweep(services.db, services.storage, now=later)
    assert key in report.orphan_multipart
    with pytest.raises(Exception, match="no object"):
        services.storage.list_parts(key, upload_id)


# --- finding 6: the starter's download never serves a failed upload ------------------------

def test_a_failed_public_videos_raw_upload_is_not_downloadable(client: TestClient, make_user,
                                                               services: Services) -> None:
    """The raw upload of a public video the pipeline rejected is signed for nobody: not
    anonymous callers, not its owner."""
    _, token = make_user()
    got = _legacy_presign(client, token)
    assert httpx.put(got["upload_url"], content=b"MZ\x90\x00 not a video",
                     headers={"Content-Type": "video/mp4"}).status_code == 200
    video = client.post("/api/videos/", headers=auth(token), json={
        "title": "Totally a video", "s3_key": got["s3_key"], "visibility": "public"}).json()
    with services.db.session() as session:
        session.execute(update(Video).where(Video.id == video["id"])
                        .values(status="failed", failure_reason="this is not a video"))
    for headers in ({}, auth(token)):
        response = client.get(f"/api/videos/{video['id']}/presign-download/", headers=headers)
        assert (response.status_code, response.json()["error"]) == (409, "failed")


# --- finding 9: complete racing abort ------------------------------------------------------

def _uploaded_parts(client: TestClient, token: str) -> dict:
    out = _start(client, token, 6 * MIB).json()
    first, second = out["parts"]
    assert _put(first, b"r" * (5 * MIB)).status_code == 200
    assert _put(second, b"r" * MIB).status_code == 200
    return out


def _assert_consistent(services: Services, video_id: str, results: dict[str, int]) -> None:
    """Either completed with its object, or aborted with nothing left: never a video
    marked uploaded whose object is gone."""
    key = keys.source_key(video_id)
    with services.db.session() as session:
        video = session.get(Video, video_id)
        upload = session.get(UploadSession, video_id)
    if results["complete"] == 200:
        # Abort lost: refused while complete held the claim (409), or after complete had
        # finished and the session was gone (404).
        assert results["abort"] in (404, 409), results
        assert video is not None and video.status == "uploaded" and upload is None
        assert services.storage.head(key)["ContentLength"] == 6 * MIB
    else:
        # Complete lost: refused while abort held the claim (409), or after abort had
        # removed the video altogether (404).
        assert results["abort"] == 204 and results["complete"] in (404, 409), results
        assert video is None and upload is None and not services.storage.exists(key)


def test_abort_during_complete_never_deletes_what_complete_assembled(
        app: FastAPI, client: TestClient, make_user, services: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Abort arriving after complete assembled the object (and before it recorded it) is
    refused; the video ends uploaded with its object."""
    _, token = make_user()
    out = _uploaded_parts(client, token)
    assembled, deleted, completed = threading.Event(), threading.Event(), threading.Event()
    real_head, real_delete = services.storage.head, services.storage.delete

    # Only complete reads the object's head here, only abort deletes it: the routes run in
    # the server's worker threads, so these hooks tell the two apart by what they call.
    def head(key: str) -> Any:
        found = real_head(key)
        assembled.set()
        deleted.wait(2)  # the abort, if it runs at all, deletes now
        return found

    def delete(key: str) -> None:
        real_delete(key)
        deleted.set()
        completed.wait(5)  # and records its abort only after complete recorded its own

    monkeypatch.setattr(services.storage, "head", head)
    monkeypatch.setattr(services.storage, "delete", delete)
    results: dict[str, int] = {}

    def complete() -> None:
        results["complete"] = TestClient(app).post(
            f"/api/v1/uploads/{out['video_id']}/complete", headers=auth(token)).status_code
        completed.set()

    def abort() -> None:
        assembled.wait(10)
        results["abort"] = TestClient(app).delete(
            f"/api/v1/uploads/{out['video_id']}", headers=auth(token)).status_code

    threads = [threading.Thread(target=complete), threading.Thread(target=abort)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    monkeypatch.undo()
    _assert_consistent(services, out["video_id"], results)
    assert results["complete"] == 200


@pytest.mark.parametrize("round_", range(4))
def test_complete_and_abort_at_once_end_one_way_or_the_other(
        app: FastAPI, client: TestClient, make_user, services: Services, round_: int) -> None:
    """Complete and abort sent together: exactly one wins, and storage agrees with it."""
    _, token = make_user()
    out = _uploaded_parts(client, token)
    gate = threading.Barrier(2)
    results: dict[str, int] = {}

    def complete() -> None:
        own = TestClient(app)
        gate.wait()
        results["complete"] = own.post(f"/api/v1/uploads/{out['video_id']}/complete",
                                       headers=auth(token)).status_code

    def abort() -> None:
        own = TestClient(app)
        gate.wait()
        results["abort"] = own.delete(f"/api/v1/uploads/{out['video_id']}",
                                      headers=auth(token)).status_code

    threads = [threading.Thread(target=complete), threading.Thread(target=abort)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    _assert_consistent(services, out["video_id"], results)
