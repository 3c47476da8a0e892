"""Links already handed out, against the embedded S3: privacy holds after sharing (issue 11,
finding 3) and odd spellings of a playlist path cost no S3 GET (finding 7)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from reelhouse import keys
from reelhouse.db import User, Video
from signing_api.deps import Services
from tests.helpers import MEDIA_VERSION
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\n360p/index.m3u8\n"
RUNG = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n"
        "#EXTINF:2.000,\nseg_00001.m4s\n#EXT-X-ENDLIST\n")


def _publish(services: Services, video: Video) -> None:
    hls = keys.hls_prefix(video.id, MEDIA_VERSION)
    for key, data in ((keys.master_key(video.id, MEDIA_VERSION), MASTER.encode()),
                      (hls + "360p/index.m3u8", RUNG.encode()),
                      (hls + "360p/init.mp4", b"init"), (hls + "360p/seg_00001.m4s", b"seg")):
        services.storage.put_bytes(key, data)


def _playlists(client: TestClient, master: str) -> list[int]:
    """Status of the master, the rung and the storyboard under one play link."""
    rung = master.replace("master.m3u8", "360p/index.m3u8")
    board = master.replace("hls/master.m3u8", "thumbs/storyboard.vtt")
    return [client.get(master).status_code, client.get(rung).status_code,
            client.get(board).status_code]


@pytest.fixture
def s3_gets(services: Services) -> Iterator[list[str]]:
    """The keys of every GetObject the API sends to S3 while the test runs."""
    seen: list[str] = []

    def count(params: dict, **_: object) -> None:
        seen.append(params["url"])

    events = services.storage.client.meta.events
    events.register("before-call.s3.GetObject", count)
    yield seen
    events.unregister("before-call.s3.GetObject", count)


def test_a_link_handed_out_for_a_public_video_dies_when_it_is_made_private(
        client: TestClient, make_user, make_video, services: Services) -> None:
    """Master, rung and storyboard answer under a public video's link; once the owner makes it
    private the same link is a 403 `link_revoked` (the player then asks for playback again:
    the owner gets a link of their own, anyone else a 404)."""
    owner, token = make_user()
    _, stranger = make_user()
    video = make_video(owner, visibility="public")
    _publish(services, video)
    services.storage.put_bytes(keys.storyboard_vtt_key(video.id, MEDIA_VERSION), b"WEBVTT\n")
    shared = client.get(f"/api/v1/videos/{video.id}/playback").json()["hls"]
    assert _playlists(client, shared) == [200, 200, 200]
    patched = client.patch(f"/api/v1/videos/{video.id}", json={"visibility": "private"},
                           headers=auth(token))
    assert patched.status_code == 200, patched.text
    assert _playlists(client, shared) == [403, 403, 403]
    assert client.get(shared).json()["error"] == "link_revoked"
    assert client.get(f"/api/v1/videos/{video.id}/playback",
                      headers=auth(stranger)).status_code == 404
    own = client.get(f"/api/v1/videos/{video.id}/playback", headers=auth(token)).json()["hls"]
    assert own != shared and _playlists(client, own) == [200, 200, 200]


def test_a_link_of_a_private_video_lives_only_while_its_viewer_may_see_it(
        client: TestClient, make_user, make_video, services: Services) -> None:
    """A private video's link is bound to whoever it was issued to: an admin's dies when
    they are disabled, and making the video public and private again does not revive a link
    issued while it was public."""
    owner, token = make_user()
    admin, admin_token = make_user(role="admin")
    video = make_video(owner, visibility="private")
    _publish(services, video)
    mine = client.get(f"/api/v1/videos/{video.id}/playback", headers=auth(token)).json()["hls"]
    theirs = client.get(f"/api/v1/videos/{video.id}/playback",
                        headers=auth(admin_token)).json()["hls"]
    assert client.get(mine).status_code == client.get(theirs).status_code == 200
    with services.db.session() as session:
        session.execute(update(User).where(User.id == admin.id).values(disabled=True))
    assert client.get(theirs).status_code == 403 and client.get(mine).status_code == 200
    client.patch(f"/api/v1/videos/{video.id}", json={"visibility": "unlisted"},
                 headers=auth(token))
    shared = client.get(f"/api/v1/videos/{video.id}/playback").json()["hls"]
    assert client.get(shared).status_code == 200
    client.patch(f"/api/v1/videos/{video.id}", json={"visibility": "private"},
                 headers=auth(token))
    assert client.get(shared).status_code == 403 and client.get(mine).status_code == 200


def test_after_delete_the_old_master_link_is_a_404(client: TestClient, make_user, make_video,
                                                   services: Services) -> None:
    """A deleted video's links answer 404 at once, though its playlists were cached and its
    signed segment URL has not expired (the object behind it is gone: S3 answers 404)."""
    owner, token = make_user()
    video = make_video(owner, visibility="public")
    _publish(services, video)
    master = client.get(f"/api/v1/videos/{video.id}/playback").json()["hls"]
    rung = client.get(master.replace("master.m3u8", "360p/index.m3u8"))
    segment = next(line for line in rung.text.splitlines() if line.startswith("http"))
    assert client.get(master).status_code == 200 and httpx.get(segment).status_code == 200
    assert client.delete(f"/api/v1/videos/{video.id}", headers=auth(token)).status_code == 204
    assert _playlists(client, master)[:2] == [404, 404]
    assert httpx.get(segment).status_code == 404


def test_dotted_and_doubled_play_paths_cost_no_s3_get(client: TestClient, make_user, make_video,
                                                      services: Services,
                                                      s3_gets: list[str]) -> None:
    """`hls/./360p/...`, `hls/././...`, percent-encoded dots and slashes are the cached
    playlist itself (no GET, no new cache entry); `..` and empty segments are a 404 that
    never reaches S3."""
    # One signing window for the whole test: a window turning mid-test re-signs the playlist.
    window = services.playback.window
    now = window.clock()
    saved, window.clock = window.clock, lambda: now
    try:
        _dotted_paths(client, make_user, make_video, services, s3_gets)
    finally:
        window.clock = saved


def _dotted_paths(client: TestClient, make_user, make_video, services: Services,
                  s3_gets: list[str]) -> None:
    owner, _ = make_user()
    video = make_video(owner, visibility="public")
    _publish(services, video)
    master = client.get(f"/api/v1/videos/{video.id}/playback").json()["hls"]
    base = master.removesuffix("hls/master.m3u8")
    canonical = client.get(base + "hls/360p/index.m3u8")
    assert canonical.status_code == 200 and len(s3_gets) == 1
    cached = services.playback.playlists.cache.size_bytes
    # httpx folds literal `./` segments, so they are sent percent-encoded; the server
    # decodes them back to `.` before routing, as it does for a player that sends `./`.
    for variant in ("hls/%2E/360p/index.m3u8", "hls/%2e/%2e/360p/index.m3u8",
                    "hls/360p/%2E/index.m3u8", "hls%2F360p%2Findex.m3u8",
                    "hls/%252e/360p/index.m3u8"):
        response = client.get(base + variant)
        assert (response.status_code, response.text) == (200, canonical.text), variant
    for refused in ("hls//360p/index.m3u8", "hls/360p//index.m3u8", "hls/%2e%2e/x.m3u8",
                    "hls/360p/%2E%2E/360p/index.m3u8", "hls/360p/", "hls/%2e"):
        assert client.get(base + refused).status_code == 404, refused
    assert len(s3_gets) == 1
    assert services.playback.playlists.cache.size_bytes == cached
