"""The API's one-second memo of ready videos, and the tokens it never keeps."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reelhouse import accounts
from reelhouse.db import User
from signing_api.deps import Services
from signing_api.recent import Recent
from tests.unit.api.conftest import auth


def test_values_live_for_the_ttl_and_the_oldest_go_first() -> None:
    now = [100.0]
    recent: Recent[str, int] = Recent(1.0, size=2, clock=lambda: now[0])
    recent.put("a", 1)
    recent.put("b", 2)
    assert (recent.get("a"), recent.get("b")) == (1, 2)
    recent.put("c", 3)  # over the size: "a" (the oldest put) goes
    assert (recent.get("a"), recent.get("c")) == (None, 3)
    now[0] += 1.0
    assert recent.get("b") is None and recent.get("c") is None
    recent.put("d", 4)
    recent.forget("d")
    assert recent.get("d") is None


def test_a_zero_ttl_remembers_nothing() -> None:
    recent: Recent[str, int] = Recent(0)
    recent.put("a", 1)
    assert recent.get("a") is None


def test_signing_out_takes_effect_at_once_though_the_token_was_just_used(
        client: TestClient, make_user) -> None:
    """Tokens are never kept: the call right after signing out is refused."""
    _, token = make_user()
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401


def test_a_revocation_elsewhere_takes_effect_at_once(client: TestClient, make_user,
                                                     services: Services) -> None:
    """Another process (the CLI, another API worker) revokes: refused on the next call."""
    _, token = make_user()
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 200
    with services.db.session() as session:
        accounts.revoke_token(session, token.split("_")[1])
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401


def test_making_a_video_private_here_hides_it_at_once(client: TestClient, make_user,
                                                     make_video) -> None:
    """A ready video's row is reused for playback; changing it in this process forgets it."""
    owner, owner_token = make_user()
    _, other_token = make_user()
    video = make_video(owner, status="ready", visibility="public")
    url = f"/api/videos/{video.id}/presign-download/"
    assert client.get(url, headers=auth(other_token)).status_code == 200
    changed = client.patch(f"/api/v1/videos/{video.id}", json={"visibility": "private"},
                           headers=auth(owner_token))
    assert changed.status_code == 200
    assert client.get(url, headers=auth(other_token)).status_code == 404


def test_disabled_users_lose_access_at_once(client: TestClient, make_user,
                                            services: Services) -> None:
    user, token = make_user()
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 200
    with services.db.session() as session:
        session.get(User, user.id).disabled = True
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
