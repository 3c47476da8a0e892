"""Upload sessions: start, get more part URLs, see what S3 holds, complete, abort."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from reelhouse import records, uploads, videos
from reelhouse.config import MAX_PARTS
from reelhouse.db import UploadSession, User, Video
from reelhouse.records import VideoStatus, Visibility
from signing_api.deps import SvcDep, UserDep, editable_video
from signing_api.errors import ApiError, responses
from signing_api.videos import video_out

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"])

_CONFLICT = (409, "the upload is not in a state that allows this step (`upload_conflict`, "
                  "`parts_missing`, `upload_missing`, `size_mismatch`, `upload_gone`, "
                  "`upload_aborting`, `upload_completing`)")
_TOO_LARGE = (413, "the request body is over 1 MiB, the file over the upload limit, or "
                   "over what the caller's quota leaves (`too_large`, `upload_too_large`, "
                   "`quota_exceeded`)")
_START_CONFLICT = (409, "the caller already has as many uploads in flight as they may "
                        "(`too_many_uploads`)")

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]
Sha256B64 = Annotated[str, Field(min_length=44, max_length=44)]


class UploadCreate(BaseModel):
    """A new upload: the file as the client sees it, and the video's first metadata."""

    filename: str = Field(min_length=1, max_length=videos.MAX_FILENAME)
    size: int = Field(ge=1, strict=True,
                      description="bytes; capped by REELHOUSE_MAX_UPLOAD_BYTES")
    content_type: str = Field(min_length=3, max_length=100)
    title: str = Field("", max_length=videos.MAX_TITLE * 2)
    description: str = Field("", max_length=videos.MAX_DESCRIPTION)
    visibility: Visibility = Visibility.PRIVATE
    sha256: Sha256Hex | None = Field(None, description="hex SHA-256 of the whole file")

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        return videos.check_filename(value)

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        return videos.check_content_type(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return videos.check_title(value) if value.strip() else ""

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return videos.check_description(value)


class SignedOut(BaseModel):
    """Send `method` to `url` with exactly these headers (plus the body) before `expires_at`."""

    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime
    part_number: int | None = None
    size: int | None = None

    @classmethod
    def of(cls, signed: uploads.SignedRequest) -> SignedOut:
        return cls(url=signed.url, method=signed.method, headers=signed.headers,
                   expires_at=signed.expires_at, part_number=signed.part_number,
                   size=signed.size)


class UploadOut(BaseModel):
    video_id: str
    mode: Literal["single", "multipart"]
    size: int
    part_size: int
    part_count: int
    put: SignedOut | None = None
    parts: list[SignedOut] = []


class PartWanted(BaseModel):
    part_number: int = Field(ge=1, le=MAX_PARTS, strict=True)
    sha256: Sha256B64 | None = Field(None, description="base64 SHA-256 of the part")


class PartsRequest(BaseModel):
    parts: list[PartWanted] = Field(min_length=1, max_length=1000)


class PartsOut(BaseModel):
    parts: list[SignedOut]


class PartHeld(BaseModel):
    part_number: int
    size: int
    etag: str


class UploadStatusOut(UploadOut):
    status: str
    uploaded_bytes: int
    held: list[PartHeld]
    missing: list[int]


def _open_upload(session: Session, video_id: str, user: User) -> tuple[Video, UploadSession]:
    video = editable_video(session, video_id, user)
    upload = session.get(UploadSession, video.id)
    if upload is None:
        raise ApiError(404, "not_found", "no upload in progress for this video")
    return video, upload


def _mode(upload: UploadSession) -> Literal["single", "multipart"]:
    return "multipart" if upload.upload_id else "single"


class OpenUpload(BaseModel):
    video_id: str
    filename: str
    title: str
    size: int
    mode: Literal["single", "multipart"]
    created_at: datetime


@router.get("", response_model=list[OpenUpload], responses=responses(401))
def open_uploads(svc: SvcDep, user: UserDep) -> list[OpenUpload]:
    """The caller's unfinished uploads, oldest first, so another device can pick one up."""
    stmt = (select(UploadSession, Video).join(Video, Video.id == UploadSession.video_id)
            .where(Video.owner_id == user.id).order_by(UploadSession.created_at).limit(100))
    with svc.db.session() as session:
        rows = session.execute(stmt).all()
    return [OpenUpload(video_id=video.id, filename=video.filename, title=video.title,
                       size=upload.declared_size, mode=_mode(upload),
                       created_at=upload.created_at) for upload, video in rows]


@router.post("", response_model=UploadOut, status_code=201,
             responses=responses(400, 401, _START_CONFLICT, _TOO_LARGE, 502))
def start_upload(body: UploadCreate, svc: SvcDep, user: UserDep) -> UploadOut:
    """Mint a video id and sign its upload: one PUT for small files, else multipart parts."""
    with svc.db.session() as session:
        video, upload = uploads.start_upload(
            session, svc.storage, user, filename=body.filename, size=body.size,
            content_type=body.content_type, title=body.title, description=body.description,
            visibility=body.visibility, sha256=body.sha256)
        out = UploadOut(video_id=video.id, mode=_mode(upload), size=upload.declared_size,
                        part_size=upload.part_size, part_count=upload.part_count)
        if upload.upload_id:
            out.parts = [SignedOut.of(s) for s in uploads.first_batch(session, svc.storage,
                                                                        upload)]
        else:
            out.put = SignedOut.of(uploads.single_put(svc.storage, video, upload))
    return out


@router.post("/{video_id}/parts", response_model=PartsOut,
             responses=responses(400, 401, 403, 404, _CONFLICT, 413))
def sign_parts(video_id: str, body: PartsRequest, svc: SvcDep, user: UserDep) -> PartsOut:
    """More part URLs, each with the part's length and (when sent) its SHA-256 signed in."""
    with svc.db.session() as session:
        _video, upload = _open_upload(session, video_id, user)
        signed = uploads.part_urls(session, svc.storage, upload,
                                   [(p.part_number, p.sha256) for p in body.parts])
    return PartsOut(parts=[SignedOut.of(s) for s in signed])


@router.get("/{video_id}", response_model=UploadStatusOut,
            responses=responses(401, 403, 404, _CONFLICT, 502))
def upload_status(video_id: str, svc: SvcDep, user: UserDep) -> UploadStatusOut:
    """The parts S3 already holds and those missing, so any client can resume the upload."""
    with svc.db.session() as session:
        video, upload = _open_upload(session, video_id, user)
        uploads.touch(upload)
        status = uploads.upload_status(svc.storage, upload)
        put = None
        if not upload.upload_id and not status.complete_object:
            put = SignedOut.of(uploads.single_put(svc.storage, video, upload))
    return UploadStatusOut(
        video_id=video.id, mode=_mode(upload), size=upload.declared_size,
        part_size=upload.part_size, part_count=upload.part_count, put=put,
        status=video.status, uploaded_bytes=status.uploaded_bytes,
        held=[PartHeld(part_number=p.number, size=p.size, etag=p.etag) for p in status.parts],
        missing=status.missing)


@router.post("/{video_id}/complete", response_model=records.Video,
             responses=responses(401, 403, 404, _CONFLICT, _TOO_LARGE, 502))
def complete_upload(video_id: str, svc: SvcDep, user: UserDep,
                    tasks: BackgroundTasks) -> records.Video:
    """Check parts, size (and signed checksums), assemble the object, mark it `uploaded`;
    its run starts once the answer is sent."""
    with svc.db.session() as session:
        video = editable_video(session, video_id, user)
        upload = session.get(UploadSession, video.id)
        if upload is None and video.status != VideoStatus.UPLOADING:
            return video_out(session, video)  # completed before: answering again is harmless
        _video, upload = _open_upload(session, video_id, user)
        uploads.complete_upload(session, svc.storage, video, upload)
        out = video_out(session, video)
    if svc.launcher is not None:
        svc.launcher.schedule(tasks, out.id, out.upload_version)
    return out


@router.delete("/{video_id}", status_code=204,
               responses=responses(401, 403, 404, _CONFLICT, 502))
def abort_upload(video_id: str, svc: SvcDep, user: UserDep) -> Response:
    """Abort the upload (until S3 lists no parts) and forget the video it was for; refused
    (409 `upload_completing`) while a complete of it is under way."""
    with svc.db.session() as session:
        video, upload = _open_upload(session, video_id, user)
        uploads.abort_upload(session, svc.storage, video, upload)
    return Response(status_code=204)
