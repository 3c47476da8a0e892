"""Upload-session routes on a mocked bucket: what is signed, resumed, completed and aborted."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from reelhouse import keys
from reelhouse.db import UploadSession, Video
from signing_api.deps import Services
from tests.unit.api.conftest import auth

MIB = 1024 * 1024


def _start(client: TestClient, token: str, size: int, **extra: object) -> dict:
    body = {"filename": "clip.mp4", "size": size, "content_type": "video/mp4",
            "title": "Clip", **extra}
    response = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def _signed_headers(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0].split(";")


def test_small_file_gets_one_put_with_type_and_length_signed(client: TestClient,
                                                             make_user) -> None:
    """A file up to one part gets a single PUT signing content type, length and checksum."""
    _, token = make_user()
    digest = hashlib.sha256(b"data").hexdigest()
    out = _start(client, token, 4, sha256=digest)
    assert out["mode"] == "single" and out["parts"] == []
    put = out["put"]
    assert put["method"] == "PUT"
    assert set(_signed_headers(put["url"])) == {"content-length", "content-type", "host",
                                                "x-amz-checksum-sha256"}
    assert put["headers"] == {"Content-Type": "video/mp4", "x-amz-checksum-sha256":
                              base64.b64encode(bytes.fromhex(digest)).decode()}
    assert f"/{keys.source_key(out['video_id'])}?" in put["url"]


def test_large_file_gets_multipart_with_a_first_batch(client: TestClient, make_user,
                                                      services: Services) -> None:
    """A large file gets part size, part count and the first batch of part URLs."""
    _, token = make_user()
    out = _start(client, token, 12 * MIB + 1)
    assert (out["mode"], out["part_size"], out["part_count"]) == ("multipart", 5 * MIB, 3)
    assert [p["part_number"] for p in out["parts"]] == [1, 2, 3]
    assert [p["size"] for p in out["parts"]] == [5 * MIB, 5 * MIB, 2 * MIB + 1]
    assert "content-length" in _signed_headers(out["parts"][0]["url"])
    with services.db.session() as session:
        video = session.get(Video, out["video_id"])
        assert (video.status, video.visibility, video.upload_version) == ("uploading",
                                                                          "private", 0)


def test_more_part_urls_sign_a_given_checksum(client: TestClient, make_user) -> None:
    """Requested parts come back signed; a part's SHA-256 is signed in and remembered."""
    _, token = make_user()
    out = _start(client, token, 30 * MIB)
    url = f"/api/v1/uploads/{out['video_id']}/parts"
    checksum = base64.b64encode(hashlib.sha256(b"part five").digest()).decode()
    got = client.post(url, json={"parts": [{"part_number": 5, "sha256": checksum},
                                           {"part_number": 6}]}, headers=auth(token))
    assert got.status_code == 200, got.text
    five, six = got.json()["parts"]
    assert five["headers"] == {"x-amz-checksum-sha256": checksum}
    assert "x-amz-checksum-sha256" in _signed_headers(five["url"])
    assert six["headers"] == {} and six["size"] == 5 * MIB
    again = client.post(url, json={"parts": [{"part_number": 5}]}, headers=auth(token))
    assert again.json()["parts"][0]["headers"] == {"x-amz-checksum-sha256": checksum}


def test_part_numbers_outside_the_upload_are_refused(client: TestClient, make_user) -> None:
    """Part 0, 10001, one past the count, or a batch over the cap is a 400."""
    _, token = make_user()
    out = _start(client, token, 12 * MIB)
    url = f"/api/v1/uploads/{out['video_id']}/parts"
    for parts in ([{"part_number": 0}], [{"part_number": 10001}], [{"part_number": 4}],
                  [{"part_number": 1}] * 5, [{"part_number": 1, "sha256": "not base64!"}]):
        response = client.post(url, json={"parts": parts}, headers=auth(token))
        assert response.status_code == 400, parts


def test_status_lists_parts_and_complete_marks_uploaded(client: TestClient, make_user,
                                                        services: Services) -> None:
    """Status shows held and missing parts; complete refuses gaps, then bumps the version."""
    _, token = make_user()
    out = _start(client, token, 11 * MIB)
    video_id = out["video_id"]
    with services.db.session() as session:
        upload = session.get(UploadSession, video_id)
    sizes = {1: 5 * MIB, 2: 5 * MIB, 3: MIB}
    s3 = services.storage
    s3.client.upload_part(Bucket=s3.bucket, Key=upload.key, UploadId=upload.upload_id,
                          PartNumber=2, Body=b"b" * sizes[2])
    status = client.get(f"/api/v1/uploads/{video_id}", headers=auth(token)).json()
    assert status["missing"] == [1, 3] and status["uploaded_bytes"] == sizes[2]
    refused = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert refused.status_code == 409 and refused.json()["error"] == "parts_missing"
    for number in (1, 3):
        s3.client.upload_part(Bucket=s3.bucket, Key=upload.key, UploadId=upload.upload_id,
                              PartNumber=number, Body=b"x" * sizes[number])
    done = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["upload_version"]) == ("uploaded", 1)
    assert s3.head(upload.key)["ContentLength"] == 11 * MIB
    again = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert again.json()["upload_version"] == 1


def test_single_put_size_is_checked_on_complete(client: TestClient, make_user,
                                                services: Services) -> None:
    """Completing before the PUT is a 409; an object of another size is refused and removed."""
    _, token = make_user()
    out = _start(client, token, 100)
    key = keys.source_key(out["video_id"])
    complete = f"/api/v1/uploads/{out['video_id']}/complete"
    assert client.post(complete, headers=auth(token)).json()["error"] == "upload_missing"
    services.storage.put_bytes(key, b"short", "video/mp4")
    response = client.post(complete, headers=auth(token))
    assert response.status_code == 409 and response.json()["error"] == "size_mismatch"
    assert not services.storage.exists(key)


def test_abort_forgets_the_upload_and_its_video(client: TestClient, make_user,
                                                services: Services) -> None:
    """DELETE aborts the multipart upload and removes the half-made video."""
    _, token = make_user()
    out = _start(client, token, 20 * MIB)
    assert client.delete(f"/api/v1/uploads/{out['video_id']}",
                         headers=auth(token)).status_code == 204
    with services.db.session() as session:
        assert session.get(Video, out["video_id"]) is None
    assert client.get(f"/api/v1/uploads/{out['video_id']}",
                      headers=auth(token)).status_code == 404


def test_sizes_and_types_are_capped(client: TestClient, make_user) -> None:
    """Zero, negative and over-cap sizes and non-media content types are refused."""
    _, token = make_user()
    base = {"filename": "a.mp4", "content_type": "video/mp4"}
    cases = [({"size": 0}, 400), ({"size": -5}, 400), ({"size": 2 * 1024**3}, 413),
             ({"size": 10**30}, 413), ({"size": 10, "content_type": "text/html"}, 400),
             ({"size": "ten"}, 400), ({"size": 10, "sha256": "zz"}, 400)]
    for extra, status in cases:
        response = client.post("/api/v1/uploads", json={**base, **extra}, headers=auth(token))
        assert response.status_code == status, (extra, response.text)


def test_other_users_cannot_touch_an_upload(client: TestClient, make_user) -> None:
    """Someone else's upload is a 404 (it is private), and anonymous callers get a 401."""
    _, token = make_user()
    _, other = make_user()
    out = _start(client, token, 12 * MIB)
    url = f"/api/v1/uploads/{out['video_id']}"
    assert client.get(url, headers=auth(other)).status_code == 404
    assert client.post(url + "/complete", headers=auth(other)).status_code == 404
    assert client.delete(url).status_code == 401


def test_open_uploads_are_listed_for_their_owner_only(client: TestClient, make_user) -> None:
    """GET /api/v1/uploads lists the caller's unfinished uploads, not other people's."""
    _, token = make_user()
    _, other = make_user()
    out = _start(client, token, 12 * MIB)
    mine = client.get("/api/v1/uploads", headers=auth(token)).json()
    assert [(u["video_id"], u["mode"], u["size"]) for u in mine] == [
        (out["video_id"], "multipart", 12 * MIB)]
    assert client.get("/api/v1/uploads", headers=auth(other)).json() == []
    assert client.get("/api/v1/uploads").status_code == 401
