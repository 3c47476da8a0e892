"""Playback against the embedded S3: every URL in a signed playlist fetches its object."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from reelhouse import keys
from signing_api.deps import Services
from tests.helpers import MEDIA_VERSION

pytestmark = pytest.mark.integration

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\n360p/index.m3u8\n"
RUNG = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n"
        + "".join(f"#EXTINF:2.000,\nseg_{n:05d}.m4s\n" for n in range(1, 4))
        + "#EXT-X-ENDLIST\n")


def test_signed_playlists_lead_to_every_object(client: TestClient, make_user, make_video,
                                               services: Services) -> None:
    """Master via the API, rung via the API, init/segments/poster/MP4 straight from S3."""
    owner, _ = make_user()
    video = make_video(owner, visibility="unlisted")
    hls = keys.hls_prefix(video.id, MEDIA_VERSION)
    objects = {hls + "360p/init.mp4": b"init", keys.poster_key(video.id, MEDIA_VERSION): b"jpeg",
               keys.progressive_key(video.id, MEDIA_VERSION): b"mp4"}
    objects.update({hls + f"360p/seg_{n:05d}.m4s": f"segment {n}".encode() for n in (1, 2, 3)})
    for key, data in objects.items():
        services.storage.put_bytes(key, data)
    services.storage.put_bytes(keys.master_key(video.id, MEDIA_VERSION), MASTER.encode())
    services.storage.put_bytes(hls + "360p/index.m3u8", RUNG.encode())
    urls = client.get(f"/api/v1/videos/{video.id}/playback").json()
    master = client.get(urls["hls"])
    assert master.text == MASTER
    rung = client.get(urls["hls"].replace("master.m3u8", "360p/index.m3u8")).text
    signed = re.findall(r"^(http\S+)$", rung, re.M) + re.findall(r'URI="([^"]+)"', rung)
    fetched = [httpx.get(url).content for url in signed]
    assert sorted(fetched) == sorted([b"init", b"segment 1", b"segment 2", b"segment 3"])
    assert httpx.get(urls["poster"]).content == b"jpeg"
    assert httpx.get(urls["mp4"]).content == b"mp4"
    download = httpx.get(urls["download"])
    assert download.headers["content-disposition"].startswith("attachment;")
    forged = signed[0].replace("seg_00001", "seg_00002")
    assert httpx.get(forged).status_code == 403
