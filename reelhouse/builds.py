"""Media builds in the API database: what of each version being encoded is published, every
change a compare-and-set that only adds (a chunk marked done, audio segments appended).

The pipeline writes these (through assets.database), the API reads them to render the
playlists of a version that is still growing (reelhouse.media.event_playlist).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelhouse.db import Database, MediaBuild, Video, utcnow
from reelhouse.errors import ReelhouseError, VideoGone
from reelhouse.media.event_playlist import Layout, check_audio_durations
from reelhouse.records import VideoStatus

# Chunks finishing together each retry their compare-and-set; with N racing writers the
# last one wins within N tries, so this only trips on a writer that never stops.
CAS_ATTEMPTS = 100
# Audio durations match when they agree to the microsecond EXTINF carries.
_SAME_SECONDS = 1e-6


class BuildError(ReelhouseError, RuntimeError):
    """A build update that would change what players may already have seen, or one for a
    build that was never begun."""


@dataclass(frozen=True)
class Build:
    """One media version's build: its fixed layout and how much of it is stored, which only
    ever grows (see reelhouse.db.MediaBuild)."""

    video_id: str
    version: str
    layout: Layout
    done: str
    video_segments: int
    audio_durations: tuple[float, ...]
    complete: bool

    @property
    def video_s(self) -> float:
        """How long the published video segments play."""
        return self.layout.seconds(self.video_segments)

    @property
    def playable(self) -> bool:
        """A player may start it: the head chunk's segments are stored and the audio (when
        there is any) covers them."""
        if self.video_segments < 1:
            return False
        return self.layout.audio is None or self.audio_s + _SAME_SECONDS >= self.layout.seconds(1)

    @property
    def audio_s(self) -> float:
        return float(sum(self.audio_durations))

    @property
    def playable_s(self) -> float:
        """Seconds a player can play from the start: as far as both video and audio reach."""
        if self.layout.audio is None:
            return self.video_s
        return min(self.video_s, self.audio_s)

    def revision(self, part: str) -> tuple[object, ...]:
        """What a rendering of `part` ("master", "audio" or a rung) depends on beyond the
        layout: equal revisions render equal playlists."""
        if part == "master":
            return ("building",)
        grown = len(self.audio_durations) if part == "audio" else self.video_segments
        return (grown, self.complete)


def _build(row: MediaBuild) -> Build:
    durations = tuple(float(d) for d in json.loads(row.audio_durations))
    return Build(row.video_id, row.version, Layout.from_json(row.layout), row.done,
                 row.video_segments, durations, bool(row.complete))


_COLUMNS = [c for c in MediaBuild.__table__.columns]
_LOOKUP = select(*_COLUMNS).where(MediaBuild.video_id == bindparam("video_id"),
                                  MediaBuild.version == bindparam("version"))


def lookup_build(db: Connection | Session, video_id: str, version: str) -> Build | None:
    """The build of that media version (from one prebuilt query), None when it has none:
    versions made before builds existed, or by a run that never began one."""
    row = db.execute(_LOOKUP, {"video_id": video_id, "version": version}).first()
    return _build(MediaBuild(**row._asdict())) if row is not None else None


def live_builds(db: Connection | Session, videos: Sequence[tuple[str, str]]
                ) -> dict[str, Build]:
    """The builds of these (video id, live version) pairs, by video id, in one query."""
    wanted = dict(videos)
    if not wanted:
        return {}
    rows = db.execute(select(*_COLUMNS).where(MediaBuild.video_id.in_(list(wanted))))
    found = (_build(MediaBuild(**row._asdict())) for row in rows
             if wanted.get(row.video_id) == row.version)
    return {build.video_id: build for build in found}


def _require(session: Session, video_id: str, version: str) -> MediaBuild:
    """The build row, detached; VideoGone when the video was deleted or is being deleted."""
    status = session.scalar(select(Video.status).where(Video.id == video_id))
    if status is None or status == VideoStatus.DELETING:
        raise VideoGone(f"{video_id} was deleted")
    row = session.execute(select(MediaBuild).where(MediaBuild.video_id == video_id,
                                                   MediaBuild.version == version)).scalar()
    if row is None:
        raise BuildError(f"{video_id}/{version}: no build was begun")
    session.expunge(row)
    return row


def begin_build(db: Database, video_id: str, version: str, layout: Layout) -> Build:
    """The build of `version` with this layout, made if new; beginning it again (a retried
    plan step) returns it as it stands. BuildError when it exists with another layout."""
    text = layout.to_json()
    try:
        with db.session() as session:
            status = session.scalar(select(Video.status).where(Video.id == video_id))
            if status is None or status == VideoStatus.DELETING:
                raise VideoGone(f"{video_id} was deleted")
            if session.get(MediaBuild, (video_id, version)) is None:
                session.add(MediaBuild(video_id=video_id, version=version, layout=text,
                                       done="0" * len(layout.chunks), video_segments=0,
                                       audio_durations="[]", complete=False))
    except IntegrityError:
        pass  # begun at the same moment by another attempt, or the video was deleted
    with db.session() as session:
        row = _require(session, video_id, version)
    if Layout.from_json(row.layout) != layout:
        raise BuildError(f"{video_id}/{version}: begun with another layout")
    return _build(row)


def _swap(db: Database, video_id: str, version: str, seen: MediaBuild,
          **values: object) -> bool:
    """Write `values` if the row still holds what `seen` held (compare-and-set)."""
    stmt = (update(MediaBuild)
            .where(MediaBuild.video_id == video_id, MediaBuild.version == version,
                   MediaBuild.done == seen.done,
                   MediaBuild.audio_durations == seen.audio_durations,
                   MediaBuild.complete == seen.complete)
            .values(updated_at=utcnow(), **values))
    with db.session() as session:
        return session.execute(stmt).rowcount > 0  # type: ignore[attr-defined]


def mark_chunk_done(db: Database, video_id: str, version: str, index: int) -> Build:
    """Record that chunk `index` has every rung's segments stored (and, for chunk 0, every
    rung's init: players fetch it with the first segment); its mark is set once and never
    cleared, and the published prefix is recomputed in the same UPDATE."""
    for _ in range(CAS_ATTEMPTS):
        with db.session() as session:
            row = _require(session, video_id, version)
        if not 0 <= index < len(row.done):
            raise BuildError(f"{video_id}/{version}: no chunk {index} of {len(row.done)}")
        if row.done[index] == "1":
            return _build(row)
        done = row.done[:index] + "1" + row.done[index + 1:]
        prefix = Layout.from_json(row.layout).prefix_segments(done)
        if _swap(db, video_id, version, row, done=done, video_segments=prefix):
            row.done, row.video_segments = done, prefix
            return _build(row)
    raise BuildError(f"{video_id}/{version}: the build kept changing under chunk {index}")


def append_audio(db: Database, video_id: str, version: str, first: int,
                 durations: Sequence[float]) -> Build:
    """Record audio segments `first`, `first + 1`, ... (1-based; the audio init is stored
    before the first) as stored, lasting `durations`: those beyond the recorded ones are
    appended, those already recorded must agree (a retried encode lists the same segments
    again). BuildError on a gap or a disagreement, either of which would rewrite what
    players have seen."""
    if first < 1:
        raise BuildError(f"audio segment numbers start at 1, not {first}")
    for _ in range(CAS_ATTEMPTS):
        with db.session() as session:
            row = _require(session, video_id, version)
        known = [float(d) for d in json.loads(row.audio_durations)]
        if first > len(known) + 1:
            raise BuildError(f"{video_id}/{version}: audio segment {first} after "
                             f"{len(known)} recorded")
        overlap = known[first - 1:first - 1 + len(durations)]
        if any(abs(a - float(b)) > _SAME_SECONDS for a, b in zip(overlap, durations,
                                                                strict=False)):
            raise BuildError(f"{video_id}/{version}: audio segments from {first} differ "
                             "from those recorded")
        grown = known + [float(d) for d in durations[len(overlap):]]
        if len(grown) == len(known):
            return _build(row)
        if row.complete:
            raise BuildError(f"{video_id}/{version}: complete; no audio may be added")
        check_audio_durations(Layout.from_json(row.layout), grown)
        text = json.dumps(grown)
        if _swap(db, video_id, version, row, audio_durations=text):
            row.audio_durations = text
            return _build(row)
    raise BuildError(f"{video_id}/{version}: the build kept changing under the audio")


def complete_build(db: Database, video_id: str, version: str) -> Build:
    """Mark the build complete (its final playlists are stored: the API serves those from
    now on); BuildError while a chunk is not done."""
    for _ in range(CAS_ATTEMPTS):
        with db.session() as session:
            row = _require(session, video_id, version)
        if row.complete:
            return _build(row)
        if set(row.done) != {"1"}:
            raise BuildError(f"{video_id}/{version}: chunks not done: {row.done}")
        if _swap(db, video_id, version, row, complete=True):
            row.complete = True
            return _build(row)
    raise BuildError(f"{video_id}/{version}: the build kept changing as it completed")


def delete_builds(session: Session, video_id: str, versions: Sequence[str] | None = None
                  ) -> None:
    """Forget the builds of these versions of the video (all of them when None)."""
    stmt = delete(MediaBuild).where(MediaBuild.video_id == video_id)
    if versions is not None:
        stmt = stmt.where(MediaBuild.version.in_(list(versions)))
    session.execute(stmt)
