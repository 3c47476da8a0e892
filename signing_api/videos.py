"""Videos: list what the caller may see, read one, change its metadata, delete it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from reelhouse import records, videos
from reelhouse.db import User, Video
from reelhouse.records import VideoPage, VideoStatus, Visibility
from signing_api.catalog import record_delete, record_edit
from signing_api.deps import (
    SvcDep,
    UserDep,
    ViewerDep,
    deletable_video,
    editable_video,
    visible_video,
)
from signing_api.errors import ApiError, responses

router = APIRouter(prefix="/api/v1/videos", tags=["videos"])


def video_out(session: Session, video: Video) -> records.Video:
    """The record of a video in `session`, with its owner's name, transcode progress and
    how much of a growing live version plays."""
    owner = session.get(User, video.owner_id)
    progress = videos.processing_progress(session, [video.id]).get(video.id) \
        if video.status == VideoStatus.PROCESSING else None
    return videos.record(video, owner.username if owner else "", progress,
                         videos.live_builds(session, [video]).get(video.id))


class VideoPatch(BaseModel):
    """Fields a video's owner (or an admin) may change; absent fields stay as they are."""

    title: str | None = Field(None, max_length=videos.MAX_TITLE * 2)
    description: str | None = Field(None, max_length=videos.MAX_DESCRIPTION)
    visibility: Visibility | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else videos.check_title(value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return None if value is None else videos.check_description(value)


@router.get("", response_model=VideoPage, responses=responses(400, 401))
def list_videos(
    svc: SvcDep, viewer: ViewerDep,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    status: VideoStatus | None = None,
    visibility: Visibility | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> VideoPage:
    """Videos the caller may list, newest first: public ones, plus their own (all, for admins)."""
    try:
        query = videos.VideoQuery(owner=owner, status=status, visibility=visibility, text=q,
                                  after=cursor, limit=limit + 1)
    except ValueError as e:
        raise ApiError(400, "invalid_request", str(e)) from None
    with svc.db.session() as session:
        rows = session.execute(videos.list_statement(viewer, query)).all()
        progress = videos.processing_progress(
            session, [video.id for video, _ in rows[:limit]
                      if video.status == VideoStatus.PROCESSING])
        growing = videos.live_builds(session, [video for video, _ in rows[:limit]])
    items = [videos.record(video, username, progress.get(video.id), growing.get(video.id))
             for video, username in rows[:limit]]
    return VideoPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


@router.get("/{video_id}", response_model=records.Video, responses=responses(401, 404))
def get_video(video_id: str, svc: SvcDep, viewer: ViewerDep) -> records.Video:
    """One video: public and unlisted ones for anyone with the id, private for owner and admin."""
    with svc.db.session() as session:
        return video_out(session, visible_video(session, video_id, viewer))


@router.patch("/{video_id}", response_model=records.Video,
              responses=responses(400, 401, 403, 404, 413))
def update_video(video_id: str, body: VideoPatch, svc: SvcDep, user: UserDep,
                 background: BackgroundTasks) -> records.Video:
    """Change title, description or visibility (owner or admin)."""
    with svc.db.session() as session:
        video = editable_video(session, video_id, user)
        for name, value in body.model_dump(exclude_unset=True).items():
            if value is None:
                raise ApiError(400, "invalid_request", f"{name}: may not be null")
            setattr(video, name, value)
        session.flush()
        out = video_out(session, video)
        # Every field a PATCH may change, sent whole: the catalog row then equals the database.
        edited = {name: getattr(video, name) for name in VideoPatch.model_fields}
        edited_at = video.updated_at
    svc.recent_videos.forget(video_id)
    background.add_task(record_edit, svc, video_id, edited, edited_at)
    return out


@router.delete("/{video_id}", status_code=204, responses=responses(401, 403, 404, 502))
def delete_video(video_id: str, svc: SvcDep, user: UserDep,
                 background: BackgroundTasks) -> Response:
    """Delete a video with every version of its media and its catalog rows (owner or admin).

    The video is hidden from the first moment and its objects are gone when this answers;
    its catalog rows follow right after (signing_api.catalog_writes). Should removing its
    objects fail (502), asking again finishes the delete, and so does the sweeper.
    """
    with svc.db.session() as session:
        video_id = deletable_video(session, video_id, user).id
    svc.recent_videos.forget(video_id)
    try:
        videos.remove_media(svc.db, svc.storage, video_id)
    finally:
        svc.recent_videos.forget(video_id)
    background.add_task(record_delete, svc, video_id)
    return Response(status_code=204)
