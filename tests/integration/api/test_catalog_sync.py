"""The catalog follows the API within seconds (issue 11): a PATCH's title, description and
visibility reach the catalog's videos row, a DELETE removes the video's rows, and the API's
own catalog answers drop a deleted video at once; against the real embedded S3."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from reelhouse import catalog
from reelhouse.db import User, Video
from reelhouse.storage import Storage
from signing_api.deps import Services
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration
BOUND_S = 5.0


@pytest.fixture(autouse=True)
def clean_catalog(storage: Storage) -> Iterator[None]:
    storage.delete_prefix("catalog/")
    yield
    storage.delete_prefix("catalog/")


def processed(services: Services, video: Video) -> None:
    """The rows the pipeline writes for a ready video."""
    catalog.write_rows(services.storage, "videos", video.id, [{
        "title": video.title, "description": video.description, "visibility": video.visibility,
        "status": "ready", "duration_s": 3.0}])
    catalog.write_rows(services.storage, "renditions", video.id,
                       [{"rung": "360p", "bytes": 100}])


def rows_of(storage: Storage, table: str, video_id: str) -> list[dict]:
    return [r for r in catalog.load_table(storage, table).to_pylist()
            if r["video_id"] == video_id]


def catalog_row(storage: Storage, video_id: str) -> dict | None:
    rows = rows_of(storage, "videos", video_id)
    return rows[0] if rows else None


def eventually(check: Callable[[], bool]) -> float:
    """Seconds until `check()` held, failing after BOUND_S."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < BOUND_S, "not within the bound"
        time.sleep(0.1)
    return time.monotonic() - start


def test_an_edit_reaches_the_catalog_within_seconds(
        client: TestClient, services: Services, make_user: Callable[..., tuple[User, str]],
        make_video: Callable[..., Video]) -> None:
    """Title, description and visibility changed through the API are what the catalog's
    videos row says a few seconds later (no pipeline run in between)."""
    owner, token = make_user()
    video = make_video(owner)
    processed(services, video)
    answer = client.patch(f"/api/v1/videos/{video.id}", headers=auth(token),
                          json={"title": "Renamed", "description": "new words",
                                "visibility": "private"})
    assert answer.status_code == 200
    eventually(lambda: (catalog_row(services.storage, video.id) or {}).get("title")
               == "Renamed")
    row = catalog_row(services.storage, video.id)
    assert row is not None
    assert (row["description"], row["visibility"], row["duration_s"]) == (
        "new words", "private", 3.0)


def test_a_delete_leaves_the_catalog_and_the_api_s_answers(
        client: TestClient, services: Services, make_user: Callable[..., tuple[User, str]],
        make_video: Callable[..., Video]) -> None:
    """After a DELETE the video has no catalog rows, and the admin's whole-catalog totals
    served from an already loaded snapshot no longer count it."""
    owner, token = make_user()
    _, admin = make_user("admin")
    keep, doomed = make_video(owner), make_video(owner)
    for video in (keep, doomed):
        processed(services, video)
    before = client.get("/api/v1/catalog/insights", headers=auth(admin)).json()
    assert before["videos"] == 2
    assert client.delete(f"/api/v1/videos/{doomed.id}", headers=auth(token)).status_code == 204
    assert catalog_row(services.storage, doomed.id) is None
    assert rows_of(services.storage, "renditions", doomed.id) == []
    after = client.get("/api/v1/catalog/insights", headers=auth(admin)).json()
    assert after["videos"] == 1
    facts = client.get("/api/v1/catalog/facts", params={"id": [keep.id, doomed.id]},
                       headers=auth(admin)).json()
    assert [f["video_id"] for f in facts] == [keep.id]
