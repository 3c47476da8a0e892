"""A video as everyone outside the database sees it: one record and the words of its state.

The API answers with `Video`, the SDK parses into it, the pipeline reads it; only the ORM row
(`reelhouse.db.Video`) differs, and `reelhouse.videos.record` is the one conversion. This
module needs pydantic alone, so the bare SDK install can import it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class VideoStatus(StrEnum):
    """Where a video stands: uploading → uploaded → processing → ready, or failed; a video
    being deleted is `deleting` (hidden from everyone) until its objects and row are gone."""

    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    DELETING = "deleting"

    @property
    def waiting(self) -> bool:
        """Still on its way to ready: uploaded or processing are moving, uploading may be."""
        return self in (VideoStatus.UPLOADING, VideoStatus.UPLOADED, VideoStatus.PROCESSING)


class Visibility(StrEnum):
    """Who may see a video: its owner (and admins), anyone with the id, or everyone."""

    PRIVATE = "private"
    UNLISTED = "unlisted"
    PUBLIC = "public"

    @property
    def shared(self) -> bool:
        """Open to anyone holding the id (unlisted and public)."""
        return self is not Visibility.PRIVATE


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes and the API sends them as they are: they are UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class Video(BaseModel):
    """A video: its metadata, owner, upload facts and where processing stands."""

    # Fields the API adds later are ignored, so older SDKs keep parsing newer answers; the
    # defaults are documented as always present in the responses' schema.
    model_config = ConfigDict(frozen=True, extra="ignore",
                              json_schema_serialization_defaults_required=True)

    id: str
    owner: str = Field("", description="the owner's username")
    title: str = ""
    description: str = ""
    visibility: Visibility = Visibility.PRIVATE
    status: VideoStatus = VideoStatus.UPLOADING
    failure_reason: str = ""
    filename: str = ""
    content_type: str = ""
    source_size: int = 0
    source_sha256: str = ""
    upload_version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    uploaded_at: datetime | None = None
    progress: float | None = Field(
        None, description="while `processing`: percent of the transcode done, once it started")
    playable: bool = Field(
        False, description="playback URLs are handed out: a version is live (while "
        "`processing` it may still be growing, see `playable_s`) or the video is `ready`")
    playable_s: float | None = Field(
        None, description="while the live version is still being built: the seconds of it "
        "a player can play from the start (they only grow)")
    # The pipeline writes it into catalog rows; the API never shows it.
    owner_id: int | None = Field(None, exclude=True)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Video:
        """The record from an API answer, its timestamps made timezone-aware (UTC)."""
        video = cls.model_validate(data)
        return video.model_copy(update={name: _utc(getattr(video, name))
                                        for name in ("created_at", "updated_at", "uploaded_at")})

    @property
    def ready(self) -> bool:
        return self.status is VideoStatus.READY

    def to_dict(self) -> dict[str, Any]:
        """The fields the API shows, as plain Python values."""
        return self.model_dump()


class VideoPage(BaseModel):
    """One page of a listing, newest first; `next_cursor` asks for the page after it."""

    items: list[Video]
    next_cursor: str | None = None
