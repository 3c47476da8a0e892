"""Media builds in the API database: marks set once, a prefix that only grows, audio that
only appends, on SQLite and on PostgreSQL, with writers racing."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import update

from reelhouse import builds, videos
from reelhouse.builds import BuildError
from reelhouse.config import load_settings
from reelhouse.db import Database, MediaBuild, User, Video, new_id
from reelhouse.errors import VideoGone
from reelhouse.media.chunks import Chunk
from reelhouse.media.event_playlist import (
    Layout,
    LayoutAudio,
    LayoutError,
    LayoutRung,
)
from reelhouse.storage import Storage
from tests import postgres

RUNGS = (LayoutRung("360p", 640, 360, 800000, 860000, "avc1.4d401e"),)
AUDIO = LayoutAudio("mp4a.40.2", 2, 128000)
VERSION = "01JD0000000000000000000001"


def grid_layout(chunk_segments: list[int], rate: int = 30) -> Layout:
    """A layout at `rate` fps of 4 s segments (a 2 s head first), chunked as given."""
    chunks, frame, segment = [], 0, 1
    for index, count in enumerate(chunk_segments):
        sizes = [60] if index == 0 else [120] * count
        starts = tuple(frame + sum(sizes[:i]) for i in range(len(sizes)))
        chunks.append(Chunk(index, frame, frame + sum(sizes), segment, starts))
        frame, segment = frame + sum(sizes), segment + len(sizes)
    return Layout(Fraction(rate), frame, tuple(chunks), RUNGS, AUDIO)


@pytest.fixture(params=postgres.DATABASE_KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    url = postgres.database_url(request.param, request, tmp_path / "api.db")
    database = Database(load_settings(database_url=url, state_dir=tmp_path))
    database.upgrade()
    return database


@pytest.fixture
def video_id(db: Database) -> str:
    video_id = new_id()
    with db.session() as session:
        owner = User(username=f"ada{video_id.lower()}", password_hash="-")
        session.add(owner)
        session.flush()
        session.add(Video(id=video_id, owner_id=owner.id, title="t", status="processing"))
    return video_id


def test_prefix_counts_only_contiguous_chunks(db: Database, video_id: str) -> None:
    """The published prefix is the segments of the finished chunks from chunk 0: a later
    chunk finishing first shows nothing until the gap before it closes."""
    layout = grid_layout([1, 1, 2, 3])  # segments 1 | 2 | 3-4 | 5-7
    began = builds.begin_build(db, video_id, VERSION, layout)
    assert (began.done, began.video_segments, began.playable) == ("0000", 0, False)
    seen = [builds.mark_chunk_done(db, video_id, VERSION, i).video_segments
            for i in (2, 0, 3, 1)]
    assert seen == [0, 1, 1, 7]
    with db.reader() as connection:
        build = builds.lookup_build(connection, video_id, VERSION)
    assert build is not None and (build.done, build.video_segments) == ("1111", 7)


def test_done_bits_never_clear(db: Database, video_id: str) -> None:
    """Marking a chunk again, beginning the build again (a retried plan step) or completing
    it leaves every mark and the prefix as they were; a writer holding a stale row cannot
    write it back."""
    layout = grid_layout([1, 1, 1])
    builds.begin_build(db, video_id, VERSION, layout)
    builds.mark_chunk_done(db, video_id, VERSION, 0)
    with db.session() as session:
        stale = session.get(MediaBuild, (video_id, VERSION))
        assert stale is not None
        session.expunge(stale)
    builds.mark_chunk_done(db, video_id, VERSION, 1)
    assert not builds._swap(db, video_id, VERSION, stale, done=stale.done, video_segments=1)
    assert builds.mark_chunk_done(db, video_id, VERSION, 1).done == "110"
    again = builds.begin_build(db, video_id, VERSION, layout)
    assert (again.done, again.video_segments) == ("110", 2)
    with pytest.raises(BuildError):
        builds.begin_build(db, video_id, VERSION, grid_layout([1, 2]))
    with pytest.raises(BuildError):
        builds.complete_build(db, video_id, VERSION)
    with pytest.raises(BuildError):
        builds.mark_chunk_done(db, video_id, VERSION, 3)
    builds.mark_chunk_done(db, video_id, VERSION, 2)
    done = builds.complete_build(db, video_id, VERSION)
    assert (done.done, done.video_segments, done.complete) == ("111", 3, True)
    assert builds.mark_chunk_done(db, video_id, VERSION, 0) == done


def test_concurrent_marks_all_land(db: Database, video_id: str) -> None:
    """Two workers marking chunks at the same moment lose no mark: each compare-and-set
    that loses rereads and tries again, and each sees the prefix only grow."""
    chunks = 24
    builds.begin_build(db, video_id, VERSION, grid_layout([1] * chunks))
    start = threading.Barrier(2)
    prefixes: dict[int, list[int]] = {0: [], 1: []}
    errors: list[BaseException] = []

    def worker(parity: int) -> None:
        try:
            start.wait(10)
            for index in range(parity, chunks, 2):
                prefixes[parity].append(
                    builds.mark_chunk_done(db, video_id, VERSION, index).video_segments)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(p,)) for p in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with db.reader() as connection:
        build = builds.lookup_build(connection, video_id, VERSION)
    assert build is not None and (build.done, build.video_segments) == ("1" * chunks, chunks)
    for seen in prefixes.values():
        assert seen == sorted(seen)


def test_audio_only_appends(db: Database, video_id: str) -> None:
    """Audio segments are appended in order; a retried encode listing the same segments
    again changes nothing, while a gap, a different duration or one too long for the
    playlist's target duration is refused."""
    builds.begin_build(db, video_id, VERSION, grid_layout([1, 1]))
    assert builds.append_audio(db, video_id, VERSION, 1, [4.010667]).audio_durations == (
        4.010667,)
    grown = builds.append_audio(db, video_id, VERSION, 1, [4.010667, 3.989333, 4.010667])
    assert grown.audio_durations == (4.010667, 3.989333, 4.010667)
    assert builds.append_audio(db, video_id, VERSION, 2, [3.989333]) == grown
    for first, durations, error in ((5, [4.0], BuildError), (2, [4.5], BuildError),
                                    (0, [4.0], BuildError), (4, [4.6], LayoutError)):
        with pytest.raises(error):
            builds.append_audio(db, video_id, VERSION, first, durations)
    with db.reader() as connection:
        build = builds.lookup_build(connection, video_id, VERSION)
    assert build is not None and len(build.audio_durations) == 3


def test_playable_once_the_head_and_its_audio_are_stored(db: Database, video_id: str) -> None:
    """A build is playable when the head chunk is stored and the audio covers it; how much
    plays is as far as both reach."""
    builds.begin_build(db, video_id, VERSION, grid_layout([1, 2]))
    assert not builds.mark_chunk_done(db, video_id, VERSION, 0).playable
    build = builds.append_audio(db, video_id, VERSION, 1, [4.010667])
    assert build.playable and build.playable_s == pytest.approx(2.0)
    build = builds.mark_chunk_done(db, video_id, VERSION, 1)
    assert build.playable_s == pytest.approx(4.010667)
    assert build.video_s == pytest.approx(10.0)


def test_builds_go_with_their_video(db: Database, video_id: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes to the build of a video being deleted are refused as VideoGone, and deleting
    the video removes its builds."""
    builds.begin_build(db, video_id, VERSION, grid_layout([1]))
    with db.session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(status="deleting"))
    with pytest.raises(VideoGone):
        builds.mark_chunk_done(db, video_id, VERSION, 0)
    with pytest.raises(VideoGone):
        builds.begin_build(db, video_id, "01JD0000000000000000000002", grid_layout([1]))

    class NoStorage(Storage):
        """Storage with nothing in it (the build row is what this test is about)."""

        def __init__(self) -> None:
            pass

        def delete_prefix(self, prefix: str) -> int:
            return 0

    monkeypatch.setattr("reelhouse.catalog.writer.delete_videos", lambda *_args: 0)
    videos.delete_video(db, NoStorage(), video_id)
    with db.reader() as connection:
        assert builds.lookup_build(connection, video_id, VERSION) is None
