"""Reading the API through the SDK: sign-in, listing pages, search, waiting, playback."""

from __future__ import annotations

import pandas as pd
import pytest

from reelhouse.client import (
    Client,
    NotFound,
    NotReady,
    ProcessingFailed,
    Unauthorized,
    VideoList,
    WaitTimeout,
)
from tests.unit.client.fakes import API, PASSWORD, FakeCloud


def test_login_uses_the_token_from_then_on(cloud: FakeCloud) -> None:
    """username/password are exchanged for a token sent as a Bearer header afterwards."""
    client = Client(API, username="admin", password=PASSWORD, transport=cloud.transport())
    assert client.token == "rh_abc_secret"
    assert "signed in" in repr(client) and "rh_abc" not in repr(client)
    video = cloud.add_video()
    client.delete(video["id"])
    assert video["id"] not in cloud.videos


def test_token_from_environment(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without explicit credentials the token comes from $REELHOUSE_TOKEN, else anonymous."""
    monkeypatch.setenv("REELHOUSE_TOKEN", "rh_env_token")
    assert Client(API, transport=cloud.transport()).token == "rh_env_token"
    monkeypatch.delenv("REELHOUSE_TOKEN")
    anonymous = Client(API, transport=cloud.transport())
    assert anonymous.token is None
    with pytest.raises(Unauthorized, match="sign in first"):
        anonymous.delete("01J00000000000000000000001")


def test_videos_follow_pages_up_to_the_limit(client: Client, cloud: FakeCloud) -> None:
    """Listing walks the API's cursor pages, newest first, and stops at `limit`."""
    ids = [cloud.add_video(title=f"Clip {n}")["id"] for n in range(5)]
    everything = client.videos(page_size=2)
    assert [v.id for v in everything] == ids[::-1]
    assert cloud.api_calls.count("GET /api/v1/videos") == 3
    assert [v.id for v in client.videos(limit=3, page_size=2)] == ids[:1:-1]


def test_search_and_dataframe(client: Client, cloud: FakeCloud) -> None:
    """search() filters by text; the result turns into a DataFrame with one row per video."""
    cloud.add_video(title="Cats on a boat", source_size=10)
    cloud.add_video(title="Dogs")
    found = client.search("cats")
    assert isinstance(found, VideoList) and [v.title for v in found] == ["Cats on a boat"]
    frame = found.to_pandas()
    assert list(frame["title"]) == ["Cats on a boat"] and frame["source_size"][0] == 10
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)
    empty = client.search("horses").to_pandas()
    assert len(empty) == 0 and "title" in empty.columns
    assert "<em>no videos</em>" in client.search("horses")._repr_html_()


def test_wait_until_ready(client: Client, cloud: FakeCloud) -> None:
    """Waiting polls through uploaded and processing and returns the ready video."""
    video = cloud.add_video(status="uploaded")
    cloud.statuses = ["uploaded", "processing", "processing", "ready"]
    seen = []
    ready = client.wait_until_ready(video["id"], timeout=5, interval=0.001,
                                    on_status=lambda v: seen.append(v.status))
    assert ready.ready and seen == ["uploaded", "processing", "processing", "ready"]


def test_wait_until_ready_reports_failure(client: Client, cloud: FakeCloud) -> None:
    """A video the pipeline failed raises ProcessingFailed with the pipeline's reason."""
    video = cloud.add_video(status="processing")
    cloud.statuses = ["processing", "failed"]
    with pytest.raises(ProcessingFailed, match="no video stream") as caught:
        client.wait_until_ready(video["id"], timeout=5, interval=0.001)
    assert caught.value.reason == "no video stream"


def test_wait_until_ready_times_out(client: Client, cloud: FakeCloud) -> None:
    """A video that stays processing raises WaitTimeout (a TimeoutError) naming its status."""
    video = cloud.add_video(status="processing")
    with pytest.raises(TimeoutError, match="still processing") as caught:
        client.wait_until_ready(video["id"], timeout=0.05, interval=0.01)
    assert isinstance(caught.value, WaitTimeout)


def test_playback(client: Client, cloud: FakeCloud) -> None:
    """Playback of a ready video gives its signed URLs; of another, NotReady."""
    ready = cloud.add_video(status="ready")
    playback = client.playback(ready["id"])
    assert playback.hls.endswith("/master.m3u8") and playback.expires_at is not None
    with pytest.raises(NotReady, match="the video is processing"):
        client.playback(cloud.add_video(status="processing")["id"])
    with pytest.raises(NotFound):
        client.video("01J99999999999999999999999")
