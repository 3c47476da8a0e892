"""The videos row the pipeline writes is matched to the database once more right after: an
edit made while the row was built wins over it, a video deleted meanwhile loses its rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from assets.catalog import settle_videos_row
from reelhouse import catalog
from reelhouse.db import new_id
from reelhouse.records import Video, Visibility
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration
T0 = datetime(2025, 6, 1, tzinfo=UTC)


class Database:
    """The one call settle_videos_row makes of the API database."""

    def __init__(self, video: Video | None) -> None:
        self.row = video

    def video(self, _video_id: str) -> Video | None:
        return self.row


@pytest.fixture(autouse=True)
def clean_catalog(storage: Storage) -> Iterator[None]:
    storage.delete_prefix("catalog/")
    yield
    storage.delete_prefix("catalog/")


def test_an_edit_made_during_the_write_wins(storage: Storage) -> None:
    """The row built from the old title is corrected to the title the owner set meanwhile."""
    video_id = new_id()
    catalog.write_rows(storage, "videos", video_id, [{"title": "old", "visibility": "public",
                                                      "updated_at": T0, "duration_s": 2.0}])
    edited = Video(id=video_id, title="new", description="d", visibility=Visibility.PRIVATE,
                   updated_at=T0 + timedelta(seconds=3))
    assert settle_videos_row(storage, Database(edited), video_id)  # type: ignore[arg-type]
    [row] = catalog.load_table(storage, "videos").to_pylist()
    assert (row["title"], row["visibility"], row["duration_s"]) == ("new", "private", 2.0)


def test_a_video_deleted_during_the_write_loses_its_rows(storage: Storage) -> None:
    """When the database no longer has the video, its freshly written rows are removed."""
    video_id = new_id()
    catalog.write_rows(storage, "videos", video_id, [{"title": "gone"}])
    catalog.write_rows(storage, "renditions", video_id, [{"rung": "360p"}])
    assert not settle_videos_row(storage, Database(None), video_id)  # type: ignore[arg-type]
    assert catalog.load_table(storage, "videos").num_rows == 0
    assert catalog.load_table(storage, "renditions").num_rows == 0
