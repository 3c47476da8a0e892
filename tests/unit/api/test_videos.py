"""Video routes: who lists, reads, changes and deletes which videos, and what they store."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from reelhouse import keys
from reelhouse.db import Video
from signing_api.deps import Services
from tests.helpers import MEDIA_VERSION
from tests.unit.api.conftest import auth


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_listing_follows_visibility(client: TestClient, make_user, make_video) -> None:
    """Anonymous callers list public videos; users add their own; admins list everything."""
    owner, owner_token = make_user()
    _, other_token = make_user()
    _, admin_token = make_user("admin")
    made = {v: make_video(owner, visibility=v).id for v in ("public", "unlisted", "private")}
    mine = {"owner": owner.username}
    assert _ids(client.get("/api/v1/videos", params=mine)) == {made["public"]}
    assert _ids(client.get("/api/v1/videos", params=mine,
                           headers=auth(other_token))) == {made["public"]}
    assert _ids(client.get("/api/v1/videos", params=mine,
                           headers=auth(owner_token))) == set(made.values())
    assert _ids(client.get("/api/v1/videos", params=mine,
                           headers=auth(admin_token))) == set(made.values())


def test_unlisted_needs_the_id_and_private_stays_hidden(client: TestClient, make_user,
                                                        make_video) -> None:
    """Anyone with an unlisted id reads it; a private one is a 404 to all but owner and admin."""
    owner, owner_token = make_user()
    _, other_token = make_user()
    unlisted = make_video(owner, visibility="unlisted")
    private = make_video(owner, visibility="private")
    assert client.get(f"/api/v1/videos/{unlisted.id}").status_code == 200
    assert client.get(f"/api/v1/videos/{private.id}").status_code == 404
    assert client.get(f"/api/v1/videos/{private.id}",
                      headers=auth(other_token)).status_code == 404
    got = client.get(f"/api/v1/videos/{private.id}", headers=auth(owner_token))
    assert got.json()["owner"] == owner.username


def test_filters_search_and_pagination(client: TestClient, make_user, make_video) -> None:
    """Status, visibility and text filters combine; pages follow a cursor, newest first."""
    owner, token = make_user()
    made = []
    for i in range(5):
        time.sleep(0.002)  # ULIDs order by millisecond
        made.append(make_video(owner, title=f"Clip {i}", status="ready" if i % 2 else "failed"))
    make_video(owner, title="100% literal_match", status="failed")
    params = {"owner": owner.username, "status": "ready", "limit": 1}
    first = client.get("/api/v1/videos", params=params, headers=auth(token)).json()
    second = client.get("/api/v1/videos", params={**params, "cursor": first["next_cursor"]},
                        headers=auth(token)).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [made[3].id, made[1].id]
    assert second["next_cursor"] is None
    search = {"owner": owner.username, "q": "0% literal_"}
    assert len(client.get("/api/v1/videos", params=search).json()["items"]) == 1
    assert client.get("/api/v1/videos", params={"q": "Clip_"}).json()["items"] == []
    assert client.get("/api/v1/videos", params={"status": "bogus"}).status_code == 400
    assert client.get("/api/v1/videos", params={"limit": 0}).status_code == 400


def test_owner_and_admin_update_others_cannot(client: TestClient, make_user,
                                              make_video) -> None:
    """PATCH works for owner and admin; another user gets 403 on a public video."""
    owner, owner_token = make_user()
    _, other_token = make_user()
    _, admin_token = make_user("admin")
    video = make_video(owner, visibility="public")
    url = f"/api/v1/videos/{video.id}"
    assert client.patch(url, json={"title": "x"}, headers=auth(other_token)).status_code == 403
    assert client.patch(url, json={"title": "x"}).status_code == 401
    response = client.patch(url, json={"title": "New", "visibility": "private"},
                            headers=auth(owner_token))
    assert response.json()["title"] == "New" and response.json()["visibility"] == "private"
    assert client.patch(url, json={"description": "by admin"},
                        headers=auth(admin_token)).json()["description"] == "by admin"


def test_html_in_titles_is_stored_as_plain_text(client: TestClient, make_user,
                                                make_video) -> None:
    """Markup in a title comes back byte for byte as JSON text, never interpreted."""
    owner, token = make_user()
    video = make_video(owner)
    title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.patch(f"/api/v1/videos/{video.id}", json={"title": title},
                            headers=auth(token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert client.get(f"/api/v1/videos/{video.id}").json()["title"] == title


def test_null_and_oversized_fields_are_refused(client: TestClient, make_user,
                                               make_video) -> None:
    """A null title, a 100 KB title or an unknown visibility is a 400, and nothing changes."""
    owner, token = make_user()
    video = make_video(owner, title="Kept")
    url = f"/api/v1/videos/{video.id}"
    for body in ({"title": None}, {"title": "t" * 100_000}, {"visibility": "secret"},
                 {"title": "   "}, {"title": "a\x00b"}):
        response = client.patch(url, json=body, headers=auth(token))
        assert response.status_code == 400, body
    assert client.get(url).json()["title"] == "Kept"


def test_delete_removes_objects_and_row(client: TestClient, make_user, make_video,
                                        services: Services) -> None:
    """DELETE removes the source, the media and the row; then the id is a 404."""
    owner, token = make_user()
    video = make_video(owner)
    storage = services.storage
    storage.put_bytes(keys.source_key(video.id), b"src")
    storage.put_bytes(keys.master_key(video.id, MEDIA_VERSION), b"#EXTM3U\n")
    other = make_video(owner)
    storage.put_bytes(keys.source_key(other.id), b"keep")
    assert client.delete(f"/api/v1/videos/{video.id}", headers=auth(token)).status_code == 204
    assert not storage.exists(keys.source_key(video.id))
    assert not storage.exists(keys.master_key(video.id, MEDIA_VERSION))
    assert storage.exists(keys.source_key(other.id))
    with services.db.session() as session:
        assert session.get(Video, video.id) is None
    assert client.get(f"/api/v1/videos/{video.id}", headers=auth(token)).status_code == 404


def test_a_delete_interrupted_after_its_objects_leaves_no_ready_video_without_media(
        client: TestClient, make_user, make_video, services: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog failing once the objects are gone (after the answer) leaves the video
    hidden everywhere (never `ready` without media); asking again finishes it."""
    from reelhouse.catalog import writer
    from reelhouse.catalog.errors import CatalogError

    owner, token = make_user()
    video = make_video(owner)
    storage = services.storage
    storage.put_bytes(keys.master_key(video.id, MEDIA_VERSION), b"#EXTM3U\n")
    real = writer.delete_videos

    def failing(*_args: object) -> int:
        raise CatalogError("catalog: commit conflict")

    monkeypatch.setattr(writer, "delete_videos", failing)
    url = f"/api/v1/videos/{video.id}"
    assert client.delete(url, headers=auth(token)).status_code == 204
    assert not storage.exists(keys.master_key(video.id, MEDIA_VERSION))
    with services.db.session() as session:
        assert session.get(Video, video.id).status == "deleting"
    assert client.get(url, headers=auth(token)).status_code == 404
    assert client.get(f"{url}/playback").status_code == 404
    listed = client.get("/api/v1/videos", headers=auth(token)).json()["items"]
    assert video.id not in [v["id"] for v in listed]
    assert client.patch(url, json={"title": "Back"}, headers=auth(token)).status_code == 404

    monkeypatch.setattr(writer, "delete_videos", real)
    assert client.delete(url, headers=auth(token)).status_code == 204
    with services.db.session() as session:
        assert session.get(Video, video.id) is None
    assert client.delete(url, headers=auth(token)).status_code == 404


def test_ids_that_are_not_ulids_are_404(client: TestClient) -> None:
    """Any id that is not a ULID (traversal, SQL, junk) is simply not found."""
    for bad in ("..%2F..%2Fetc", "1%20OR%201=1", "x" * 300, "01ARZ3NDEKTSV4RRFFQ69G5FA!"):
        assert client.get(f"/api/v1/videos/{bad}").status_code == 404, bad


def test_processing_videos_show_how_far_the_transcode_got(client: TestClient, make_user,
                                                         make_video, services) -> None:
    """The pipeline's percent shows on a processing video, alone and in lists; not after."""
    from reelhouse.db import VideoProgress

    owner, token = make_user()
    busy = make_video(owner, status="processing", title="Busy one")
    done = make_video(owner, status="ready", title="Done one")
    with services.db.session() as session:
        session.add_all([VideoProgress(video_id=busy.id, percent=42.5),
                         VideoProgress(video_id=done.id, percent=100.0)])
    fresh = make_video(owner, status="processing", title="Fresh one")  # still probing
    headers = auth(token)
    assert client.get(f"/api/v1/videos/{busy.id}", headers=headers).json()["progress"] == 42.5
    listed = {v["id"]: v["progress"] for v in
              client.get("/api/v1/videos", params={"owner": owner.username},
                         headers=headers).json()["items"]}
    assert listed == {busy.id: 42.5, done.id: None, fresh.id: None}


def test_a_search_holding_a_nul_is_a_400_not_a_500(client: TestClient) -> None:
    """PostgreSQL refuses NUL in text outright (schemathesis found it): refused up front."""
    response = client.get("/api/v1/videos", params={"q": "a\x00b"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    assert "q: control characters" in response.json()["message"]
