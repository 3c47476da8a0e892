"""Videos as users see them: who may view or change one, metadata checks, listing, deletion."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from reelhouse import builds, keys, records
from reelhouse.builds import Build
from reelhouse.db import (
    Database,
    MediaBuild,
    UploadPartChecksum,
    UploadSession,
    User,
    Video,
    VideoProgress,
    utcnow,
)
from reelhouse.records import VideoStatus, Visibility
from reelhouse.storage import Storage

E = TypeVar("E", bound=StrEnum)
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_FILENAME = 255
# What an upload may declare: media types only, so a stored object can never be served
# back as HTML or script from the storage origin. Browsers call an animated GIF image/gif
# and an MXF application/mxf; both are videos we accept, and neither is ever run as script.
_CONTENT_TYPE = re.compile(r"(video|audio)/[a-z0-9][a-z0-9.+-]{0,80}"
                           r"|application/(octet-stream|mxf)|image/gif")


def can_view(user: User | None, video: Video) -> bool:
    """Public and unlisted videos are open to anyone holding the id; private to owner and admin;
    one being deleted to nobody."""
    if video.status == VideoStatus.DELETING:
        return False
    if Visibility(video.visibility).shared:
        return True
    return can_edit(user, video)


def playable(video: Video) -> bool:
    """Players may be handed its URLs: a live version exists (the pipeline flips to a build
    only once it is playable, and a build's published part only grows) and the video is
    processing or ready (never a failed one's partial build)."""
    return video.media_version is not None and VideoStatus(video.status) in (
        VideoStatus.PROCESSING, VideoStatus.READY)


def building(video: Video, build: Build | None) -> Build | None:
    """The build players of `video` are served while it grows: that of its live version
    when unfinished and the video is processing, else None (served from storage)."""
    if (build is None or build.complete or build.version != video.media_version
            or video.status != VideoStatus.PROCESSING):
        return None
    return build


def record(video: Video, owner: str, progress: float | None = None,
           build: Build | None = None) -> records.Video:
    """The one record of a video row: `owner` is the owner's username, `progress` the
    transcode percent (kept only while the video is processing), `build` that of its live
    version (for how much of a growing version plays)."""
    growing = building(video, build)
    return records.Video(
        id=video.id, owner=owner, owner_id=video.owner_id, title=video.title,
        description=video.description, visibility=Visibility(video.visibility),
        status=VideoStatus(video.status), failure_reason=video.failure_reason,
        filename=video.filename, content_type=video.content_type,
        source_size=video.source_size, source_sha256=video.source_sha256,
        upload_version=video.upload_version, created_at=video.created_at,
        updated_at=video.updated_at, uploaded_at=video.uploaded_at,
        progress=progress if video.status == VideoStatus.PROCESSING else None,
        playable=playable(video),
        playable_s=round(growing.playable_s, 3) if growing is not None else None)


_VIDEO_LOOKUP = select(*Video.__table__.columns).where(Video.id == bindparam("video_id"))


def processing_progress(session: Session, video_ids: list[str]) -> dict[str, float]:
    """The transcode percent of those videos the pipeline has reported on, by id."""
    if not video_ids:
        return {}
    rows = session.execute(select(VideoProgress.video_id, VideoProgress.percent)
                           .where(VideoProgress.video_id.in_(video_ids)))
    return {video_id: percent for video_id, percent in rows}


def live_builds(session: Session, rows: list[Video]) -> dict[str, Build]:
    """The unfinished builds of the live versions of those videos still processing, by id."""
    return builds.live_builds(session, [(v.id, v.media_version) for v in rows
                                        if v.status == VideoStatus.PROCESSING
                                        and v.media_version is not None])


def lookup_video(db: Connection, video_id: str) -> Video | None:
    """The video with this id, detached (built from one prebuilt query), or None."""
    row = db.execute(_VIDEO_LOOKUP, {"video_id": video_id}).first()
    return Video(**row._asdict()) if row is not None else None


def can_edit(user: User | None, video: Video) -> bool:
    """Only the owner and admins change or delete a video."""
    return user is not None and (user.role == "admin" or user.id == video.owner_id)


def check_title(title: str) -> str:
    """A title stripped of surrounding space: 1-200 characters without control characters."""
    title = title.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise ValueError(f"title: 1-{MAX_TITLE} characters")
    if _has_control(title):
        raise ValueError("title: control characters are not allowed")
    return title


def check_description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise ValueError(f"description: at most {MAX_DESCRIPTION} characters")
    if _has_control(text.replace("\n", "").replace("\t", "").replace("\r", "")):
        raise ValueError("description: control characters are not allowed")
    return text


def check_filename(name: str) -> str:
    """A plain file name (kept as metadata only): no path separators, dot names or controls."""
    if not 1 <= len(name) <= MAX_FILENAME:
        raise ValueError(f"filename: 1-{MAX_FILENAME} characters")
    if "/" in name or "\\" in name or name.strip(". ") == "" or _has_control(name):
        raise ValueError("filename: a plain name without '/', '\\' or control characters")
    return name


def check_content_type(content_type: str) -> str:
    value = content_type.strip().lower()
    if not _CONTENT_TYPE.fullmatch(value):
        raise ValueError("content_type: a video/*, audio/*, image/gif, application/mxf or "
                         "application/octet-stream type")
    return value


def _has_control(text: str) -> bool:
    # Cc controls, Cf format (bidi overrides, zero-width), Cs lone surrogates, line separators.
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in text)


def title_from_filename(filename: str) -> str:
    """A default title for uploads that name only a file: its stem, or "Untitled"."""
    stem = filename.rsplit(".", 1)[0].strip() if "." in filename else filename.strip()
    return stem[:MAX_TITLE] or "Untitled"


@dataclass(frozen=True)
class VideoQuery:
    """Filters of a listing; `text` matches title or description as plain text."""

    owner: str | None = None
    status: str | None = None
    visibility: str | None = None
    text: str | None = None
    after: str | None = None  # cursor: the last id of the previous page
    limit: int = 50

    def __post_init__(self) -> None:
        # A NUL reaches no row and PostgreSQL refuses it in text outright: a 400, not a 500.
        for name, value in (("q", self.text), ("owner", self.owner), ("cursor", self.after)):
            if value is not None and _has_control(value):
                raise ValueError(f"{name}: control characters are not allowed")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _one_of(kind: type[E], value: str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name}: one of {', '.join(kind)}") from None


def listable(viewer: User | None) -> ColumnElement[bool]:
    """Which videos `viewer` may list: public ones, their own, all of them for admins
    (never others' unlisted ones, which only their id opens)."""
    shown = Video.status != VideoStatus.DELETING
    if viewer is None:
        return and_(shown, Video.visibility == Visibility.PUBLIC)
    if viewer.role == "admin":
        return shown
    return and_(shown, or_(Video.visibility == Visibility.PUBLIC, Video.owner_id == viewer.id))


def listable_ids(session: Session, viewer: User | None) -> list[str] | None:
    """The ids of every video `viewer` may list; None for an admin, who may list them all
    (but those being deleted, which the catalog drops as their delete finishes)."""
    if viewer is not None and viewer.role == "admin":
        return None
    return list(session.scalars(select(Video.id).where(listable(viewer))))


def viewable_statuses(session: Session, viewer: User | None,
                      video_ids: list[str]) -> dict[str, VideoStatus]:
    """Of these ids, those `viewer` may view (as `can_view` decides), with their status."""
    if not video_ids:
        return {}
    rows = session.execute(select(Video.id, Video.owner_id, Video.visibility, Video.status)
                           .where(Video.id.in_(video_ids),
                                  Video.status != VideoStatus.DELETING))
    found = [Video(**row._asdict()) for row in rows]  # detached: only what can_view reads
    return {v.id: VideoStatus(v.status) for v in found if can_view(viewer, v)}


def list_statement(viewer: User | None, query: VideoQuery) -> Select[Video, str]:
    """Videos `viewer` may see in a listing (never others' unlisted ones), newest first."""
    stmt = select(Video, User.username).join(User, User.id == Video.owner_id) \
        .where(listable(viewer))
    if query.owner is not None:
        stmt = stmt.where(User.username == query.owner.strip().lower())
    if query.status is not None:
        stmt = stmt.where(Video.status == _one_of(VideoStatus, query.status, "status"))
    if query.visibility is not None:
        stmt = stmt.where(
            Video.visibility == _one_of(Visibility, query.visibility, "visibility"))
    if query.text:
        pattern = f"%{_escape_like(query.text)}%"
        stmt = stmt.where(or_(Video.title.ilike(pattern, escape="\\"),
                              Video.description.ilike(pattern, escape="\\")))
    if query.after is not None:
        stmt = stmt.where(Video.id < query.after)
    return stmt.order_by(Video.id.desc()).limit(query.limit)


def delete_video(db: Database, storage: Storage, video_id: str) -> int:
    """Remove a video everywhere: its open upload, every version's objects, its catalog rows,
    its progress and its row; returns how many objects went.

    The row is marked `deleting` first, in a transaction of its own: from then on nobody sees
    the video, no run moves it on, and a step finishing late finds it gone and removes what
    it wrote (assets.common.guard). A delete interrupted after that (storage or the catalog
    failing, a crash) leaves a `deleting` row that a retry or the sweeper finishes; never a
    `ready` video without media.
    """
    removed = remove_media(db, storage, video_id)
    return removed + finish_deletes(db, storage, [video_id])


def remove_media(db: Database, storage: Storage, video_id: str) -> int:
    """The first half of `delete_video`: mark the video `deleting`, then abort its upload and
    remove its objects; returns how many objects went. What is left (catalog rows, the row
    itself) holds nothing anyone is shown, and `finish_deletes` removes it."""
    keys.check_video_id(video_id)
    with db.session() as session:
        session.execute(update(Video).where(Video.id == video_id,
                                            Video.status != VideoStatus.DELETING)
                        .values(status=VideoStatus.DELETING, updated_at=utcnow()))
        upload = session.get(UploadSession, video_id)
        multipart = (upload.key, upload.upload_id) if upload and upload.upload_id else None
    if multipart is not None:
        storage.abort_multipart(*multipart)
    removed = storage.delete_prefix(f"raw/{video_id}/")
    return removed + storage.delete_prefix(keys.media_prefix(video_id))


def finish_deletes(db: Database, storage: Storage, video_ids: list[str]) -> int:
    """The second half of `delete_video` for videos `remove_media` has been through: their
    catalog rows in one commit per table, then their rows; returns how many catalog rows
    went. The rows stay `deleting` should the catalog fail, for a retry or the sweeper."""
    # Imported here: the catalog pulls in pyarrow and DuckDB, which nothing else here needs.
    from reelhouse.catalog.writer import delete_videos as delete_catalog_rows

    removed = delete_catalog_rows(storage, video_ids)
    with db.session() as session:
        for table in (UploadPartChecksum, VideoProgress, MediaBuild, UploadSession):
            session.execute(delete(table).where(table.video_id.in_(video_ids)))
        session.execute(delete(Video).where(Video.id.in_(video_ids),
                                            Video.status == VideoStatus.DELETING))
    return removed


def unfinished_deletes(db: Database, before: datetime, limit: int = 20) -> list[str]:
    """Ids of videos marked `deleting` before `before` whose delete never finished."""
    with db.session() as session:
        return list(session.scalars(select(Video.id).where(
            Video.status == VideoStatus.DELETING, Video.updated_at < before).limit(limit)))


def existing_ids(db: Database, video_ids: list[str]) -> set[str]:
    """Those of `video_ids` that still have a row (being deleted or not)."""
    with db.session() as session:
        return set(session.scalars(select(Video.id).where(Video.id.in_(video_ids))))
