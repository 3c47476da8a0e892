"""The SDK's catalog calls and single pages: what it sends and what it parses into."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reelhouse.client import Client, Insights, VideoStatus
from tests.unit.catalog import fakes


class Recorder:
    """An API that answers catalog and listing calls and keeps what it was asked."""

    def __init__(self) -> None:
        self.asked: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url)
        path = request.url.path
        if path == "/api/v1/catalog/facts":
            ids = request.url.params.get_list("id")
            return httpx.Response(200, json=[{"video_id": v, "width": 640, "new_column": 1}
                                             for v in ids])
        if path.endswith("/rungs"):
            return httpx.Response(200, json=[{"rung": "720p", "height": 720}])
        if path == "/api/v1/catalog/insights":
            return httpx.Response(200, json={
                "videos": 1, "by_status": {"ready": 1}, "total_duration_s": 4.0,
                "source_bytes": 10, "hls_bytes": 5, "storage_by_rung": {"720p": 5},
                "uploads_per_day": [{"day": "2025-01-02", "uploads": 1}],
                "duration_histogram": [{"start": 0, "end": 5, "count": 1}],
                "processing": [{"duration_s": 4.0, "processing_s": 2.0}]})
        if path == "/api/v1/videos":
            return httpx.Response(200, json={"items": [{"id": fakes.video_ids(1)[0],
                                                        "status": "ready"}],
                                             "next_cursor": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
        return httpx.Response(404, json={"error": "not_found", "message": "no such thing"})


@pytest.fixture
def api() -> Iterator[tuple[Client, Recorder]]:
    recorder = Recorder()
    with Client("http://api.test", transport=httpx.MockTransport(recorder),
                env_token=False) as client:
        yield client, recorder


def test_facts_in_batches_of_a_hundred(api: tuple[Client, Recorder]) -> None:
    """250 ids (one repeated) go out as three requests and come back keyed by id."""
    client, recorder = api
    ids = fakes.video_ids(250)
    found = client.facts([*ids, ids[0]])
    assert list(found) == ids and found[ids[3]].width == 640
    assert [len(url.params.get_list("id")) for url in recorder.asked] == [100, 100, 50]


def test_rungs_and_insights_parse_into_records(api: tuple[Client, Recorder]) -> None:
    """Rungs and insights come back as the core's typed answers."""
    client, _ = api
    assert [r.rung for r in client.rungs(fakes.video_ids(1)[0])] == ["720p"]
    insights = client.insights()
    assert isinstance(insights, Insights) and insights.uploads_per_day[0].day.isoformat() \
        == "2025-01-02"


def test_one_page_with_its_cursor(api: tuple[Client, Recorder]) -> None:
    """A single page carries the next cursor; empty filters are not sent."""
    client, recorder = api
    page = client.videos_page(q="", status="ready", cursor=None, limit=24)
    assert page.next_cursor == "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert page.items[0].status is VideoStatus.READY
    assert dict(recorder.asked[0].params) == {"status": "ready", "limit": "24"}
