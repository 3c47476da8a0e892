"""The API database as the pipeline sees it: videos waiting for processing, and their status."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import select, update

from assets.resources import SettingsResource
from reelhouse import records, videos
from reelhouse.db import Database, User, Video, VideoProgress, utcnow
from reelhouse.records import VideoStatus


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

    def uploaded(self, limit: int = 200) -> list[tuple[str, int]]:
        """(id, upload_version) of videos whose upload completed and awaits processing."""
        stmt = (select(Video.id, Video.upload_version)
                .where(Video.status == VideoStatus.UPLOADED)
                .order_by(Video.uploaded_at, Video.id).limit(limit))
        with self.database().session() as session:
            return [(row.id, row.upload_version) for row in session.execute(stmt)]

    def video(self, video_id: str) -> records.Video | None:
        """The video's record (with its owner's id), detached from any session, or None."""
        stmt = (select(Video, User.username).join(User, User.id == Video.owner_id)
                .where(Video.id == video_id))
        with self.database().session() as session:
            row = session.execute(stmt).first()
            if row is None:
                return None
            return videos.record(*row)

    def set_progress(self, video_id: str, percent: float) -> None:
        """Record how far the transcode has got, for the API and dashboard to show."""
        with self.database().session() as session:
            row = session.get(VideoProgress, video_id)
            if row is None:
                session.add(VideoProgress(video_id=video_id, percent=percent))
            else:
                row.percent = percent

    def set_status(self, video_id: str, status: VideoStatus, reason: str = "", *,
                   upload_version: int | None = None,
                   only_from: tuple[VideoStatus, ...] = ()) -> bool:
        """Move the video to `status`; False when it has moved on (a newer upload, a status
        outside `only_from`) or does not exist, so a stale run never overwrites the truth."""
        stmt = update(Video).where(Video.id == video_id)
        if upload_version is not None:
            stmt = stmt.where(Video.upload_version == upload_version)
        if only_from:
            stmt = stmt.where(Video.status.in_(only_from))
        stmt = stmt.values(status=status, failure_reason=reason, updated_at=utcnow())
        with self.database().session() as session:
            return session.execute(stmt).rowcount > 0
