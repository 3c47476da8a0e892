"""The API database as the pipeline sees it: videos waiting for processing, their status
and live media version, every change a compare-and-set on what the row held."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from assets.resources import SettingsResource
from reelhouse import builds, records, videos
from reelhouse.builds import Build
from reelhouse.db import Database, User, Video, VideoProgress, utcnow
from reelhouse.errors import VideoGone
from reelhouse.media.event_playlist import Layout
from reelhouse.records import VideoStatus

# Statuses a run may move a video out of: never `deleting`, and a `ready` one stays ready
# while it is reprocessed (its live version keeps playing).
BEFORE_PROCESSING = (VideoStatus.UPLOADED, VideoStatus.PROCESSING, VideoStatus.FAILED)
PROCESSING_OR_READY = (VideoStatus.PROCESSING, VideoStatus.READY)


class DatabaseResource(SettingsResource):
    """The API database, where each video's status is the truth users see."""

    _db: Database | None = PrivateAttr(default=None)

    def database(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings)
        return self._db

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._db is not None:
            self._db.engine.dispose()
            self._db = None

    def uploaded(self, limit: int = 200, settled_s: float = 0) -> list[tuple[str, int]]:
        """(id, upload_version) of videos whose upload completed at least `settled_s` ago
        and awaits processing."""
        settled = or_(Video.uploaded_at.is_(None),
                      Video.uploaded_at <= utcnow() - timedelta(seconds=settled_s))
        stmt = (select(Video.id, Video.upload_version)
                .where(Video.status == VideoStatus.UPLOADED, settled)
                .order_by(Video.uploaded_at, Video.id).limit(limit))
        with self.database().session() as session:
            return [(row.id, row.upload_version) for row in session.execute(stmt)]

    def video(self, video_id: str) -> records.Video | None:
        """The video's record (with its owner's id), detached from any session; None when it
        is gone or being deleted."""
        stmt = (select(Video, User.username).join(User, User.id == Video.owner_id)
                .where(Video.id == video_id, Video.status != VideoStatus.DELETING))
        with self.database().session() as session:
            row = session.execute(stmt).first()
            if row is None:
                return None
            return videos.record(*row)

    def require_video(self, video_id: str) -> records.Video:
        """The video's record; VideoGone when it was deleted or is being deleted."""
        video = self.video(video_id)
        if video is None:
            raise VideoGone(f"{video_id} was deleted")
        return video

    def versions(self, video_id: str) -> tuple[str | None, str | None]:
        """(live, retired) media versions: what players are served (None before the first is
        playable) and what it replaced, kept for the grace period; VideoGone when deleted."""
        with self.database().session() as session:
            row = session.execute(select(Video.media_version, Video.retired_version,
                                         Video.status).where(Video.id == video_id)).first()
        if row is None or row.status == VideoStatus.DELETING:
            raise VideoGone(f"{video_id} was deleted")
        return row.media_version, row.retired_version

    def live_version(self, video_id: str) -> str | None:
        """The media version players are served, None before the first is playable."""
        return self.versions(video_id)[0]

    def set_progress(self, video_id: str, percent: float) -> None:
        """Record how far the transcode has got, for the API and dashboard to show;
        VideoGone when the video was deleted (the row's foreign key refuses a late insert)."""
        try:
            with self.database().session() as session:
                status = session.scalar(select(Video.status).where(Video.id == video_id))
                if status is None or status == VideoStatus.DELETING:
                    raise VideoGone(f"{video_id} was deleted")
                row = session.get(VideoProgress, video_id)
                if row is None:
                    session.add(VideoProgress(video_id=video_id, percent=percent))
                else:
                    row.percent = percent
        except IntegrityError as e:
            raise VideoGone(f"{video_id} was deleted") from e

    def set_status(self, video_id: str, status: VideoStatus, reason: str = "", *,
                   only_from: tuple[VideoStatus, ...],
                   upload_version: int | None = None) -> bool:
        """Move the video to `status` from one of `only_from` (one UPDATE ... WHERE status
        IN ...); False when it has moved on (a newer upload, another status) or is gone, so
        a stale run never overwrites the truth."""
        stmt = update(Video).where(Video.id == video_id, Video.status.in_(only_from))
        if upload_version is not None:
            stmt = stmt.where(Video.upload_version == upload_version)
        stmt = stmt.values(status=status, failure_reason=reason, updated_at=utcnow())
        with self.database().session() as session:
            return session.execute(stmt).rowcount > 0

    def begin_processing(self, video_id: str, upload_version: int | None) -> bool:
        """Mark the video `processing` (a ready one stays `ready`: its live version plays on
        while the run builds the next); False when it is gone or another upload's."""
        if self.set_status(video_id, VideoStatus.PROCESSING, only_from=BEFORE_PROCESSING,
                           upload_version=upload_version):
            return True
        video = self.video(video_id)
        return video is not None and video.status == VideoStatus.READY and (
            upload_version is None or video.upload_version == upload_version)

    def mark_ready(self, video_id: str, upload_version: int | None) -> bool:
        """`processing` (or `ready`) → `ready`, only once a live version exists."""
        stmt = (update(Video).where(Video.id == video_id,
                                    Video.status.in_(PROCESSING_OR_READY),
                                    Video.media_version.is_not(None))
                .values(status=VideoStatus.READY, failure_reason="", updated_at=utcnow()))
        if upload_version is not None:
            stmt = stmt.where(Video.upload_version == upload_version)
        with self.database().session() as session:
            return session.execute(stmt).rowcount > 0

    def _live(self, video_id: str) -> str | None:
        """The live version read for a flip; VideoGone when the video is (being) deleted."""
        with self.database().session() as session:
            row = session.execute(select(Video.media_version, Video.status)
                                  .where(Video.id == video_id)).first()
        if row is None or row.status == VideoStatus.DELETING:
            raise VideoGone(f"{video_id} was deleted")
        return row.media_version

    def _swap(self, video_id: str, live: str | None, version: str) -> bool:
        """Point players at `version` if `live` is still what they are served (retiring it)."""
        swap = (update(Video).where(Video.id == video_id, Video.status != VideoStatus.DELETING)
                .where(Video.media_version.is_(None) if live is None
                       else Video.media_version == live)
                .values(media_version=version, updated_at=utcnow()))
        if live is not None:
            swap = swap.values(retired_version=live, retired_at=utcnow())
        with self.database().session() as session:
            return session.execute(swap).rowcount > 0

    def flip(self, video_id: str, version: str, attempts: int = 5) -> str | None:
        """Point players at `version`; the version it replaces (returned) is kept as
        `retired_version` for the sweeper. A compare-and-set on the live version, so two
        runs flipping at once each retire what was really live. VideoGone when deleted."""
        for _ in range(attempts):
            live = self._live(video_id)
            if live == version:
                return None
            if self._swap(video_id, live, version):
                return live
        raise RuntimeError(f"{video_id}: the live version kept changing under the flip")

    def flip_early(self, video_id: str, version: str, attempts: int = 5) -> bool:
        """Point players at `version` while it is still being built, once its build is
        playable, and only when no version is live or the live one is itself an unfinished
        build (a finished version stays live until `published_media` flips): True when
        `version` is live on return. Safe to call from every step that may make it playable."""
        for _ in range(attempts):
            build = self.build(video_id, version)
            if build is None or not build.playable:
                return False
            live = self._live(video_id)
            if live == version:
                return True
            if live is not None:
                current = self.build(video_id, live)
                if current is None or current.complete:
                    return False
            if self._swap(video_id, live, version):
                return True
        raise RuntimeError(f"{video_id}: the live version kept changing under the flip")

    def begin_build(self, video_id: str, version: str, layout: Layout) -> Build:
        """The build of `version` with this layout (see reelhouse.builds.begin_build)."""
        return builds.begin_build(self.database(), video_id, version, layout)

    def mark_chunk_done(self, video_id: str, version: str, index: int) -> Build:
        """Chunk `index` of the build is stored in every rung (set once, never cleared)."""
        return builds.mark_chunk_done(self.database(), video_id, version, index)

    def append_audio(self, video_id: str, version: str, first: int,
                     durations: list[float]) -> Build:
        """Audio segments `first`.. of the build are stored, lasting `durations`."""
        return builds.append_audio(self.database(), video_id, version, first, durations)

    def complete_build(self, video_id: str, version: str) -> Build:
        """The build's final (VOD) playlists are stored: the API serves those from now on."""
        return builds.complete_build(self.database(), video_id, version)

    def forget_builds(self, video_id: str, versions: list[str]) -> None:
        """Drop the build rows of versions whose objects are gone."""
        with self.database().session() as session:
            builds.delete_builds(session, video_id, versions)

    def build(self, video_id: str, version: str) -> Build | None:
        """The build of that version as it stands, None when it has none."""
        with self.database().reader() as connection:
            return builds.lookup_build(connection, video_id, version)

