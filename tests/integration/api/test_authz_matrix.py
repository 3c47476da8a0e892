"""Every endpoint x every kind of caller x every visibility gets exactly the expected status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from reelhouse import accounts, uploads
from reelhouse.db import ApiToken, User, utcnow
from signing_api.deps import Services
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration
MIB = 1024 * 1024
ACTORS = ("anonymous", "owner", "other", "admin", "expired", "revoked", "disabled")
VISIBILITIES = ("private", "unlisted", "public")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: what it needs to exist, how to call it, and what a permitted call gets."""

    name: str
    kind: str  # view | edit | grant | signed_in | listing
    setup: str  # ready | upload | legacy_put | legacy_mpu | none
    call: Callable[[TestClient, dict[str, str], dict[str, Any]], httpx.Response]
    allowed: int = 200


def _ref(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"s3_key": ctx["key"], "upload_id": ctx["upload_id"]}


ENDPOINTS = [
    Endpoint("GET /api/v1/videos", "listing", "ready",
             lambda c, h, x: c.get("/api/v1/videos", headers=h, params={"limit": 100})),
    Endpoint("GET /api/videos/", "listing", "ready",
             lambda c, h, x: c.get("/api/videos/", headers=h)),
    Endpoint("GET /api/v1/videos/{id}", "view", "ready",
             lambda c, h, x: c.get(f"/api/v1/videos/{x['id']}", headers=h)),
    Endpoint("PATCH /api/v1/videos/{id}", "edit", "ready",
             lambda c, h, x: c.patch(f"/api/v1/videos/{x['id']}", headers=h,
                                     json={"title": "changed"})),
    Endpoint("DELETE /api/v1/videos/{id}", "edit", "ready",
             lambda c, h, x: c.delete(f"/api/v1/videos/{x['id']}", headers=h), 204),
    Endpoint("GET /api/v1/videos/{id}/playback", "view", "ready",
             lambda c, h, x: c.get(f"/api/v1/videos/{x['id']}/playback", headers=h)),
    Endpoint("GET /api/videos/{id}/playback", "view", "ready",
             lambda c, h, x: c.get(f"/api/videos/{x['id']}/playback", headers=h)),
    Endpoint("GET /api/videos/{id}/presign-download/", "view", "ready",
             lambda c, h, x: c.get(f"/api/videos/{x['id']}/presign-download/", headers=h)),
    Endpoint("GET /api/v1/auth/me", "signed_in", "none",
             lambda c, h, x: c.get("/api/v1/auth/me", headers=h)),
    Endpoint("POST /api/v1/uploads", "signed_in", "none",
             lambda c, h, x: c.post("/api/v1/uploads", headers=h, json={
                 "filename": "a.mp4", "size": 10, "content_type": "video/mp4",
                 "visibility": x["visibility"]}), 201),
    Endpoint("GET /api/v1/uploads", "signed_in", "none",
             lambda c, h, x: c.get("/api/v1/uploads", headers=h)),
    Endpoint("GET /api/v1/uploads/{id}", "edit", "upload",
             lambda c, h, x: c.get(f"/api/v1/uploads/{x['id']}", headers=h)),
    Endpoint("POST /api/v1/uploads/{id}/parts", "edit", "upload",
             lambda c, h, x: c.post(f"/api/v1/uploads/{x['id']}/parts", headers=h,
                                    json={"parts": [{"part_number": 2}]})),
    Endpoint("POST /api/v1/uploads/{id}/complete", "edit", "upload",
             lambda c, h, x: c.post(f"/api/v1/uploads/{x['id']}/complete", headers=h), 409),
    Endpoint("DELETE /api/v1/uploads/{id}", "edit", "upload",
             lambda c, h, x: c.delete(f"/api/v1/uploads/{x['id']}", headers=h), 204),
    Endpoint("POST /api/videos/ (register)", "grant", "legacy_put",
             lambda c, h, x: c.post("/api/videos/", headers=h,
                                    json={"title": "t", "s3_key": x["key"]}), 409),
    Endpoint("POST /api/videos/presign-upload/", "signed_in", "none",
             lambda c, h, x: c.post("/api/videos/presign-upload/", headers=h,
                                    json={"filename": "a.mp4", "content_type": "video/mp4"})),
    Endpoint("POST /api/videos/multipart/init/", "signed_in", "none",
             lambda c, h, x: c.post("/api/videos/multipart/init/", headers=h)),
    Endpoint("POST /api/videos/multipart/presign/", "grant", "legacy_mpu",
             lambda c, h, x: c.post("/api/videos/multipart/presign/", headers=h,
                                    json={**_ref(x), "part_number": 1})),
    Endpoint("POST /api/videos/multipart/complete/", "grant", "legacy_mpu",
             lambda c, h, x: c.post("/api/videos/multipart/complete/", headers=h, json={
                 **_ref(x), "parts": [{"PartNumber": 1, "ETag": '"0123"'}]}), 400),
    Endpoint("POST /api/videos/multipart/abort/", "grant", "legacy_mpu",
             lambda c, h, x: c.post("/api/videos/multipart/abort/", headers=h, json=_ref(x))),
]


def expected(endpoint: Endpoint, actor: str, visibility: str) -> int | str:
    """The rule the API promises, written out independently of its code."""
    if actor in ("expired", "revoked", "disabled"):
        return 401
    privileged = actor in ("owner", "admin")
    if endpoint.kind == "listing":
        return "listed" if visibility == "public" or privileged else "hidden"
    if endpoint.kind == "view":
        return endpoint.allowed if visibility != "private" or privileged else 404
    if actor == "anonymous":
        return 401
    if endpoint.kind == "signed_in":
        return endpoint.allowed
    if endpoint.kind == "grant":  # only the caller the key was given to
        return endpoint.allowed if actor == "owner" else 403
    if privileged:
        return endpoint.allowed
    return 404 if visibility == "private" else 403


@pytest.fixture(scope="module")
def tokens(make_user, services: Services) -> tuple[User, dict[str, str | None]]:
    """The owner and a token per kind of caller; bad tokens belong to owner and an admin."""
    owner, owner_token = make_user()
    _, other = make_user()
    _, admin = make_user("admin")
    disabled_user, disabled = make_user("admin")
    with services.db.session() as session:
        expired, row = accounts.issue_token(session, session.get(User, owner.id), 3600)
        row.expires_at = utcnow() - timedelta(seconds=1)
        revoked, _ = accounts.issue_token(session, session.get(User, owner.id), 3600)
        accounts.revoke_token(session, revoked)
        session.get(User, disabled_user.id).disabled = True
        assert session.get(ApiToken, expired.split("_")[1]) is not None
    return owner, {"anonymous": None, "owner": owner_token, "other": other, "admin": admin,
                   "expired": expired, "revoked": revoked, "disabled": disabled}


def _setup(kind: str, owner: User, visibility: str, services: Services,
           make_video) -> dict[str, Any]:
    ctx: dict[str, Any] = {"visibility": visibility}
    if kind == "ready":
        ctx["id"] = make_video(owner, visibility=visibility).id
    elif kind != "none":
        size = 12 * MIB if kind == "upload" else None
        with services.db.session() as session:
            video, upload = uploads.start_upload(
                session, services.storage, session.get(User, owner.id), filename="m.mp4",
                size=size, content_type="video/mp4", visibility=visibility,
                multipart=kind != "legacy_put")
        ctx.update(id=video.id, key=upload.key, upload_id=upload.upload_id)
    return ctx


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_authorization_matrix(endpoint: Endpoint, client: TestClient, tokens, make_video,
                              services: Services) -> None:
    """Each caller gets the promised status for this endpoint on videos of each visibility."""
    owner, by_actor = tokens
    wrong = []
    for visibility in VISIBILITIES:
        for actor in ACTORS:
            ctx = _setup(endpoint.setup, owner, visibility, services, make_video)
            response = endpoint.call(client, auth(by_actor[actor]), ctx)
            got: int | str = response.status_code
            if endpoint.kind == "listing" and got == 200:
                items = response.json()
                items = items["items"] if isinstance(items, dict) else items
                got = "listed" if ctx["id"] in {i["id"] for i in items} else "hidden"
            want = expected(endpoint, actor, visibility)
            if got != want:
                wrong.append(f"{actor}/{visibility}: got {got}, want {want} "
                             f"({response.text[:80]})")
    assert not wrong, "\n".join(wrong)
