"""The early flip: a version still being built goes live once playable, never over a
finished version, against a real SQLite API database."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.database import DatabaseResource
from reelhouse.db import Video, new_id
from tests.helpers import pipeline_database
from tests.unit.db.test_media_builds import grid_layout

OLD, NEW = "01JD0000000000000000000001", "01JD0000000000000000000002"


@pytest.fixture
def database(tmp_path: Path) -> DatabaseResource:
    return pipeline_database(tmp_path)


def _video(database: DatabaseResource, status: str, live: str | None = None) -> str:
    video_id = new_id()
    with database.database().session() as session:
        session.add(Video(id=video_id, owner_id=1, title="t", status=status,
                          media_version=live))
    return video_id


def _playable(database: DatabaseResource, video_id: str, version: str) -> None:
    database.begin_build(video_id, version, grid_layout([1, 1]))
    database.mark_chunk_done(video_id, version, 0)
    database.append_audio(video_id, version, 1, [4.010667])


def test_a_first_processing_goes_live_once_playable(database: DatabaseResource) -> None:
    """No version is live: the build flips in once its head and audio are stored (not
    before), and asking again (the other step that may make it playable) keeps it."""
    video_id = _video(database, "processing")
    database.begin_build(video_id, NEW, grid_layout([1, 1]))
    database.mark_chunk_done(video_id, NEW, 0)
    assert not database.flip_early(video_id, NEW)
    assert database.versions(video_id) == (None, None)
    database.append_audio(video_id, NEW, 1, [4.010667])
    assert database.flip_early(video_id, NEW) and database.flip_early(video_id, NEW)
    assert database.versions(video_id) == (NEW, None)
    assert database.require_video(video_id).playable


def test_a_finished_live_version_stays_until_published_media(
        database: DatabaseResource) -> None:
    """A reprocess builds beside a finished live version (one with a complete build, or
    from before builds): players stay on it until the new version is whole."""
    legacy = _video(database, "ready", live=OLD)
    _playable(database, legacy, NEW)
    assert not database.flip_early(legacy, NEW)
    assert database.versions(legacy) == (OLD, None)
    finished = _video(database, "ready", live=OLD)
    database.begin_build(finished, OLD, grid_layout([1]))
    database.mark_chunk_done(finished, OLD, 0)
    database.complete_build(finished, OLD)
    _playable(database, finished, NEW)
    assert not database.flip_early(finished, NEW)
    assert database.versions(finished) == (OLD, None)


def test_a_new_build_replaces_an_unfinished_live_one(database: DatabaseResource) -> None:
    """A run that failed after its early flip left an unfinished build live: the next run's
    build replaces it once playable, and the old one is retired for the sweeper."""
    video_id = _video(database, "processing")
    _playable(database, video_id, OLD)
    assert database.flip_early(video_id, OLD)
    _playable(database, video_id, NEW)
    assert database.flip_early(video_id, NEW)
    assert database.versions(video_id) == (NEW, OLD)
    assert database.flip(video_id, NEW) is None  # published_media finds it live already
