"""The starter's upload flow end to end against the embedded S3."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from reelhouse import keys
from signing_api.deps import Services
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


def test_presign_put_register_and_download(client: TestClient, make_user,
                                           services: Services) -> None:
    """presign-upload, PUT, register, list, presign-download: the starter's whole round trip."""
    user, token = make_user()
    got = client.post("/api/videos/presign-upload/", headers=auth(token),
                      json={"filename": "cat.mp4", "content_type": "video/mp4"}).json()
    wrong_type = httpx.put(got["upload_url"], content=b"meow",
                           headers={"Content-Type": "text/html"})
    assert wrong_type.status_code == 403
    assert httpx.put(got["upload_url"], content=b"meow",
                     headers={"Content-Type": "video/mp4"}).status_code == 200
    registered = client.post("/api/videos/", headers=auth(token), json={
        "title": "Cat", "description": "a cat", "s3_key": got["s3_key"],
        "visibility": "public"})
    assert registered.status_code == 201, registered.text
    video = registered.json()
    assert video["owner"] == user.username and video["uploaded_at"]
    assert video["id"] in {v["id"] for v in client.get("/api/videos/").json()}
    url = client.get(f"/api/videos/{video['id']}/presign-download/",
                     headers=auth(token)).json()["url"]
    assert httpx.get(url).content == b"meow"


def test_multipart_init_presign_complete_register(client: TestClient, make_user,
                                                  services: Services) -> None:
    """A two-part upload through the starter's multipart endpoints lands intact."""
    _, token = make_user()
    data = bytes(range(256)) * (24 * 1024) + b"tail"  # 6 MiB + 4 bytes
    init = client.post("/api/videos/multipart/init/", headers=auth(token),
                       json={"filename": "big.mp4", "content_type": "video/mp4"}).json()
    parts = []
    for number, chunk in ((1, data[:5 * MIB]), (2, data[5 * MIB:])):
        url = client.post("/api/videos/multipart/presign/", headers=auth(token),
                          json={**init, "part_number": number}).json()["url"]
        response = httpx.put(url, content=chunk)
        assert response.status_code == 200
        parts.append({"PartNumber": number, "ETag": response.headers["ETag"]})
    done = client.post("/api/videos/multipart/complete/", headers=auth(token),
                       json={**init, "parts": parts})
    assert done.status_code == 200, done.text
    registered = client.post("/api/videos/", headers=auth(token),
                             json={"title": "Big", "s3_key": init["s3_key"]})
    assert registered.status_code == 201
    assert services.storage.get_bytes(keys.source_key(registered.json()["id"])) == data


def test_registering_another_users_uploaded_key_fails(client: TestClient, make_user,
                                                      services: Services) -> None:
    """Bob cannot claim the object Alice uploaded, even once it exists in the bucket."""
    _, alice = make_user()
    _, bob = make_user()
    got = client.post("/api/videos/presign-upload/", headers=auth(alice),
                      json={"filename": "a.mp4", "content_type": "video/mp4"}).json()
    assert httpx.put(got["upload_url"], content=b"alice's",
                     headers={"Content-Type": "video/mp4"}).status_code == 200
    response = client.post("/api/videos/", headers=auth(bob),
                           json={"title": "stolen", "s3_key": got["s3_key"]})
    assert (response.status_code, response.json()["error"]) == (403, "key_not_granted")
    assert client.post("/api/videos/", headers=auth(alice),
                       json={"title": "mine", "s3_key": got["s3_key"]}).status_code == 201
