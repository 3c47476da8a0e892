"""Playback of a video still processing: URLs once it is playable, playlists rendered from
its build that only ever grow (whatever order chunks finish in), then the stored VOD ones."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient

from assets.database import DatabaseResource
from assets.resources import ReelhouseConfig
from reelhouse import builds, keys
from reelhouse.config import Settings
from reelhouse.db import User
from reelhouse.media.chunks import Chunk
from reelhouse.media.event_playlist import (
    Layout,
    LayoutAudio,
    LayoutRung,
    audio_playlist,
    rung_playlist,
)
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from signing_api.deps import Services
from signing_api.signer import PlaybackSigner
from tests.unit.api.conftest import FROZEN_NOW

NOW = FROZEN_NOW
RUNGS = (LayoutRung("720p", 1280, 720, 2800000, 3000000, "avc1.64001f"),
         LayoutRung("360p", 640, 360, 800000, 860000, "avc1.4d401e"))
# 25 fps, a 2 s head, then chunks of 1, 2, 1 and 2 segments of 4 s: segments 1..7.
CHUNKS = (Chunk(0, 0, 50, 1, (0,)), Chunk(1, 50, 150, 2, (50,)),
          Chunk(2, 150, 350, 3, (150, 250)), Chunk(3, 350, 450, 5, (350,)),
          Chunk(4, 450, 620, 6, (450, 550)))
LAYOUT = Layout(Fraction(25), 620, CHUNKS, RUNGS, LayoutAudio("mp4a.40.2", 2, 128000))
AUDIO_S = 4.010667
VERSION = "01JD0000000000000000000007"
STORED_MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,AUDIO="aud"
360p/index.m3u8
"""


@pytest.fixture
def pipeline(settings: Settings) -> Iterator[DatabaseResource]:
    """The pipeline's view of the same database (where builds are written and flipped)."""
    resource = DatabaseResource(reelhouse=ReelhouseConfig(
        database_url=settings.database_url, state_dir=str(settings.state_dir)))
    yield resource
    resource.database().engine.dispose()


@pytest.fixture
def building(make_user, make_video, pipeline: DatabaseResource) -> tuple[User, str, str]:
    """A public video processing its first version, VERSION, whose build has begun."""
    owner, token = make_user()
    video = make_video(owner, visibility="public", status="processing")
    pipeline.begin_build(video.id, VERSION, LAYOUT)
    return owner, video.id, VERSION


def _playable_head(pipeline: DatabaseResource, video_id: str, version: str) -> None:
    pipeline.mark_chunk_done(video_id, version, 0)
    pipeline.append_audio(video_id, version, 1, [AUDIO_S])
    assert pipeline.flip_early(video_id, version)


def test_playback_answers_once_playable(client: TestClient, building, pipeline,
                                        frozen) -> None:
    """Before the head is playable `/playback` is a 409 that says so; from then on it gives
    URLs (no MP4, no CDN master yet, `complete` false, the whole length as a hint) and the
    record says how much plays."""
    _, video_id, version = building
    response = client.get(f"/api/v1/videos/{video_id}/playback")
    assert response.status_code == 409 and response.json()["error"] == "not_ready"
    assert response.json()["message"] == "the video is processing, not playable yet"
    record = client.get(f"/api/v1/videos/{video_id}").json()
    assert (record["playable"], record["playable_s"]) == (False, None)
    _playable_head(pipeline, video_id, version)
    body = client.get(f"/api/v1/videos/{video_id}/playback").json()
    assert body["hls"].endswith("/hls/master.m3u8")
    assert (body["mp4"], body["download"], body["cdn_hls"], body["complete"]) == (
        None, None, None, False)
    assert body["duration_s"] == 24.8  # 620 frames at 25 fps, of which 2 s are published
    record = client.get(f"/api/v1/videos/{video_id}").json()
    assert (record["status"], record["playable"], record["playable_s"]) == (
        "processing", True, 2.0)
    listed = client.get("/api/v1/videos", params={"status": "processing"}).json()["items"]
    assert [v["playable_s"] for v in listed if v["id"] == video_id] == [2.0]


def test_playlist_is_prefix_of_done_chunks(client: TestClient, building, pipeline,
                                           frozen) -> None:
    """While building, the master is the planned one, each rung (starting at 0) lists the
    segments of the done chunks from chunk 0 as presigned URLs, the audio its stored ones."""
    _, video_id, version = building
    _playable_head(pipeline, video_id, version)
    pipeline.mark_chunk_done(video_id, version, 2)
    hls = client.get(f"/api/v1/videos/{video_id}/playback").json()["hls"]
    master = client.get(hls)
    assert master.status_code == 200
    assert [v.uri for v in parse_master_playlist(master.text).variants] == [
        "720p/index.m3u8", "360p/index.m3u8"]
    text = client.get(hls.replace("master.m3u8", "360p/index.m3u8")).text
    assert "#EXT-X-START:TIME-OFFSET=0,PRECISE=YES" in text
    rung = parse_media_playlist(text)
    prefix = keys.hls_prefix(video_id, version) + "360p/"
    assert [s.uri.split("?")[0].rsplit("/", 1)[1] for s in rung.segments] == ["seg_00001.m4s"]
    assert f"/{prefix}seg_00001.m4s?" in rung.segments[0].uri and not rung.ended
    assert rung.init_uri is not None and f"/{prefix}init.mp4?" in rung.init_uri
    audio = parse_media_playlist(client.get(hls.replace("master.m3u8", "audio/index.m3u8")).text)
    assert [s.duration_s for s in audio.segments] == [AUDIO_S]
    for missing in ("1080p/index.m3u8", "360p/other.m3u8"):
        assert client.get(hls.replace("master.m3u8", missing)).status_code == 404
    assert client.get(hls.replace("hls/master.m3u8", "thumbs/storyboard.vtt")).status_code == 404


def test_growing_playlist_not_cached(client: TestClient, building, pipeline, frozen,
                                     services: Services) -> None:
    """Growing playlists say `no-cache` and grow within one signing window (the signer's
    cache is keyed by the build's revision); once complete the stored VOD playlists are
    served, cached as any finished version's."""
    _, video_id, version = building
    _playable_head(pipeline, video_id, version)
    hls = client.get(f"/api/v1/videos/{video_id}/playback").json()["hls"]
    url = hls.replace("master.m3u8", "720p/index.m3u8")
    first = client.get(url)
    assert first.headers["cache-control"] == "no-cache"
    assert client.get(hls).headers["cache-control"] == "no-cache"
    pipeline.mark_chunk_done(video_id, version, 1)
    second = client.get(url)
    assert second.text.startswith(first.text) and second.text.count(".m4s?") == 2
    for index in (2, 3, 4):
        pipeline.mark_chunk_done(video_id, version, index)
    hls_prefix = keys.hls_prefix(video_id, version)
    stored = {"720p/index.m3u8": rung_playlist(LAYOUT, 7, ended=True),
              "360p/index.m3u8": rung_playlist(LAYOUT, 7, ended=True),
              "audio/index.m3u8": audio_playlist(LAYOUT, [AUDIO_S] * 2, ended=True),
              "master.m3u8": STORED_MASTER}
    for name, text in stored.items():
        services.storage.put_bytes(hls_prefix + name, text.encode())
    pipeline.complete_build(video_id, version)
    final = client.get(url)
    assert final.headers["cache-control"].startswith("private, max-age=")
    assert parse_media_playlist(final.text).ended and final.text.count(".m4s?") == 7
    assert client.get(hls).text == STORED_MASTER
    done = client.get(f"/api/v1/videos/{video_id}/playback").json()
    assert (done["complete"], done["duration_s"]) == (True, None)


def _segments(client: TestClient, url: str) -> list[str]:
    text = client.get(url).text
    return [s.uri.split("?")[0].rsplit("/", 1)[1] for s in parse_media_playlist(text).segments]


def test_out_of_order_chunks_never_shrink_skip_or_repeat(client: TestClient, building,
                                                        pipeline, frozen,
                                                        services: Services) -> None:
    """Chunks finish out of order (chunk 0 last but for chunk 2, which fails once and is
    retried): every playlist a player fetches lists segments 1..n with none skipped or
    repeated, and extends the one fetched before it."""
    _, video_id, version = building

    def chunk_2_fails() -> None:
        # Its worker stored the chunk's segments, then died before its mark.
        prefix = keys.hls_prefix(video_id, version)
        for rung in ("360p", "720p"):
            for name in ("seg_00003.m4s", "seg_00004.m4s"):
                services.storage.put_bytes(f"{prefix}{rung}/{name}", b"half")

    events = [lambda: pipeline.mark_chunk_done(video_id, version, 3), chunk_2_fails,
              lambda: pipeline.mark_chunk_done(video_id, version, 1),
              lambda: pipeline.mark_chunk_done(video_id, version, 4),
              lambda: pipeline.append_audio(video_id, version, 1, [AUDIO_S]),
              lambda: pipeline.mark_chunk_done(video_id, version, 0),  # the slow head
              lambda: pipeline.flip_early(video_id, version),
              lambda: pipeline.append_audio(video_id, version, 1, [AUDIO_S, AUDIO_S]),
              lambda: pipeline.mark_chunk_done(video_id, version, 2)]  # the retry
    seen: dict[str, list[list[str]]] = {"360p": [], "720p": [], "audio": []}
    for event in events:
        event()
        playback = client.get(f"/api/v1/videos/{video_id}/playback")
        if playback.status_code == 409:
            assert not any(seen.values())  # not playable is never after playable
            continue
        hls = playback.json()["hls"]
        for part, lists in seen.items():
            lists.append(_segments(client, hls.replace("master.m3u8", f"{part}/index.m3u8")))
    assert seen["360p"] == [["seg_00001.m4s", "seg_00002.m4s"]] * 2 + [
        [f"seg_{n:05d}.m4s" for n in range(1, 8)]]
    assert seen["720p"] == seen["360p"]
    for lists in seen.values():
        for before, after in zip(lists, lists[1:], strict=False):
            assert after[:len(before)] == before
        for listed in lists:
            assert listed == [f"seg_{n:05d}.m4s" for n in range(1, len(listed) + 1)]
    assert [len(x) for x in seen["audio"]] == [1, 2, 2]


def test_a_failed_processing_stops_serving_its_partial_build(
        client: TestClient, building, pipeline, frozen) -> None:
    """A run that failed after its early flip leaves a build that will never grow: its
    playlists are gone (404) and `/playback` is the 409 of a failed video."""
    _, video_id, version = building
    _playable_head(pipeline, video_id, version)
    hls = client.get(f"/api/v1/videos/{video_id}/playback").json()["hls"]
    assert client.get(hls).status_code == 200
    from reelhouse.records import VideoStatus

    assert pipeline.set_status(video_id, VideoStatus.FAILED, "the encoder crashed",
                               only_from=(VideoStatus.PROCESSING,))
    assert client.get(hls).status_code == 404
    response = client.get(f"/api/v1/videos/{video_id}/playback")
    assert response.status_code == 409
    assert response.json()["message"] == "the video is failed: the encoder crashed"
    with pipeline.database().reader() as connection:
        assert builds.lookup_build(connection, video_id, version) is not None


def test_cloudfront_mode_hands_out_no_cdn_master_while_the_version_grows(
        building, pipeline, services: Services) -> None:
    """The CDN would cache a growing playlist: `cdn_hls` is None until the build is
    complete (segments still come from the CDN, under the cookies)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from reelhouse.signing.cloudfront import CloudFrontSigner
    from reelhouse.videos import lookup_video
    from signing_api.playback import playback_urls

    _, video_id, version = building
    _playable_head(pipeline, video_id, version)
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    signer = PlaybackSigner(services.settings, services.storage,
                            services.playback.urls.presigner,
                            CloudFrontSigner("K2JCJMDEHXQW5F", pem, domain="d1.cloudfront.net"),
                            clock=lambda: NOW)
    with services.db.reader() as connection:
        video = lookup_video(connection, video_id)
        growing = builds.lookup_build(connection, video_id, version)
    assert video is not None and growing is not None
    out = playback_urls(signer, video, version, "http://testserver/", build=growing)
    assert (out.mode, out.cdn_hls, out.complete) == ("cloudfront", None, False)
    assert out.cookies is not None
    for index in (1, 2, 3, 4):
        pipeline.mark_chunk_done(video_id, version, index)
    finished = pipeline.complete_build(video_id, version)
    out = playback_urls(signer, video, version, "http://testserver/", build=finished)
    assert out.cdn_hls == f"https://d1.cloudfront.net/{keys.master_key(video_id, version)}"
    assert out.complete
