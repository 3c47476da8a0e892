"""Uploads through the API against the embedded S3: resume, complete, and what S3 refuses."""

from __future__ import annotations

import base64
import hashlib
import random
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from reelhouse import keys
from reelhouse.db import UploadSession
from reelhouse.errors import ObjectNotFound
from signing_api.app import create_app
from signing_api.deps import Services
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


def _b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _start(client: TestClient, token: str, data: bytes, **extra: object) -> dict:
    response = client.post("/api/v1/uploads", headers=auth(token), json={
        "filename": "film.mp4", "size": len(data), "content_type": "video/mp4",
        "title": "Film", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _put(signed: dict, body: bytes, **headers: str) -> httpx.Response:
    return httpx.put(signed["url"], content=body, headers={**signed["headers"], **headers})


def test_multipart_upload_resumes_and_completes_intact(client: TestClient, make_user,
                                                       services: Services) -> None:
    """An interrupted multipart upload resumes from ListParts, re-sending only missing parts."""
    _, token = make_user()
    data = random.Random(4).randbytes(12 * MIB + 123)
    digest = hashlib.sha256(data).hexdigest()
    out = _start(client, token, data, sha256=digest)
    video_id, part_size = out["video_id"], out["part_size"]
    assert (out["mode"], out["part_count"], len(out["parts"])) == ("multipart", 3, 2)
    chunks = {n: data[(n - 1) * part_size:n * part_size] for n in (1, 2, 3)}
    parts_url = f"/api/v1/uploads/{video_id}/parts"
    wanted = [{"part_number": 1, "sha256": _b64sha(chunks[1])}]
    (first,) = client.post(parts_url, headers=auth(token), json={"parts": wanted}).json()["parts"]
    assert _put(first, chunks[1]).status_code == 200
    # The tab is closed here. Later, from another device, the client asks what S3 holds.
    status = client.get(f"/api/v1/uploads/{video_id}", headers=auth(token)).json()
    assert ([p["part_number"] for p in status["held"]], status["missing"]) == ([1], [2, 3])
    sent = []
    wanted = [{"part_number": n, "sha256": _b64sha(chunks[n])} for n in status["missing"]]
    for signed in client.post(parts_url, headers=auth(token),
                              json={"parts": wanted}).json()["parts"]:
        number = signed["part_number"]
        assert _put(signed, chunks[number]).status_code == 200
        sent.append(number)
    assert sent == [2, 3]
    done = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["upload_version"]) == ("uploaded", 1)
    stored = services.storage.get_bytes(keys.source_key(video_id))
    assert hashlib.sha256(stored).hexdigest() == digest


def test_single_put_with_signed_checksum(client: TestClient, make_user,
                                         services: Services) -> None:
    """A small file goes up in one PUT whose checksum S3 verifies, then completes."""
    _, token = make_user()
    data = b"small but real" * 100
    out = _start(client, token, data, sha256=hashlib.sha256(data).hexdigest())
    tampered = _put(out["put"], data[:-1] + b"!")
    assert tampered.status_code == 400  # BadDigest: S3 hashed the body itself
    assert _put(out["put"], data).status_code == 200
    done = client.post(f"/api/v1/uploads/{out['video_id']}/complete", headers=auth(token))
    assert done.json()["status"] == "uploaded"
    assert services.storage.get_bytes(keys.source_key(out["video_id"])) == data


def test_puts_outside_what_was_signed_are_refused(client: TestClient, make_user,
                                                  services: Services) -> None:
    """Another key, content type, length or part number breaks the signature: S3 says 403."""
    _, token = make_user()
    data = b"v" * 1000
    mine, theirs = _start(client, token, data), _start(client, token, data)
    other_key = mine["put"]["url"].replace(mine["video_id"], theirs["video_id"])
    assert httpx.put(other_key, content=data,
                     headers=mine["put"]["headers"]).status_code == 403
    assert _put(mine["put"], data, **{"Content-Type": "text/html"}).status_code == 403
    assert _put(mine["put"], data + b"more").status_code == 403
    assert not services.storage.exists(keys.source_key(theirs["video_id"]))
    assert not services.storage.exists(keys.source_key(mine["video_id"]))
    big = _start(client, token, b"p" * (6 * MIB))
    moved = big["parts"][0]["url"].replace("partNumber=1", "partNumber=2")
    assert httpx.put(moved, content=b"p" * (5 * MIB)).status_code == 403


def test_expired_upload_urls_are_refused(api_settings, make_user, services: Services) -> None:
    """A PUT after the URL's lifetime is refused by S3 although its signature is right."""
    app = create_app(api_settings.model_copy(update={"upload_url_ttl_s": 1}))
    client = TestClient(app)
    _, token = make_user()
    out = _start(client, token, b"late")
    time.sleep(2.5)
    assert _put(out["put"], b"late").status_code == 403
    assert not services.storage.exists(keys.source_key(out["video_id"]))


def test_abort_leaves_no_parts_behind(client: TestClient, make_user,
                                      services: Services) -> None:
    """After abort S3 no longer lists the upload, and its part URLs stop working."""
    _, token = make_user()
    data = b"a" * (6 * MIB)
    out = _start(client, token, data)
    first, second = out["parts"]
    assert _put(first, data[:5 * MIB]).status_code == 200
    key = keys.source_key(out["video_id"])
    with services.db.session() as session:
        upload_id = session.get(UploadSession, out["video_id"]).upload_id
    assert client.delete(f"/api/v1/uploads/{out['video_id']}",
                         headers=auth(token)).status_code == 204
    with pytest.raises(ObjectNotFound):
        services.storage.list_parts(key, upload_id)
    assert _put(second, data[5 * MIB:]).status_code == 404


def test_single_upload_status_offers_a_fresh_url_until_done(client: TestClient,
                                                            make_user) -> None:
    """Status of an unfinished single PUT carries a new URL, so a reload can retry."""
    _, token = make_user()
    out = _start(client, token, b"retry me")
    status = client.get(f"/api/v1/uploads/{out['video_id']}", headers=auth(token)).json()
    assert status["missing"] == [1] and status["put"]["url"]
    assert _put(status["put"], b"retry me").status_code == 200
    status = client.get(f"/api/v1/uploads/{out['video_id']}", headers=auth(token)).json()
    assert status["missing"] == [] and status["put"] is None
