"""The starter's REST contract under /api/ (Django-style trailing slashes), kept for its clients.

Paths and fields are exactly the starter's. Uploads still go through upload sessions: a
key is only ever minted from a new video id, and only the caller who was given it may use it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field, field_validator

from reelhouse import keys, records, uploads, videos
from reelhouse.config import MAX_PARTS
from reelhouse.db import Video
from reelhouse.errors import ObjectNotFound, StorageError
from reelhouse.records import VideoStatus, Visibility
from reelhouse.storage import Part
from signing_api.auth import BUSY, Credentials, client_address, sign_in
from signing_api.deps import SvcDep, UserDep, ViewerDep, viewable_video
from signing_api.errors import ApiError, responses

router = APIRouter(prefix="/api", tags=["starter contract"])

LIST_CAP = 500
# What S3 answers when the client's part list is wrong, as opposed to S3 failing.
_PART_ERRORS = ("InvalidPart", "InvalidPartOrder", "EntityTooSmall")
S3Key = Annotated[str, Field(min_length=1, max_length=200)]
UploadId = Annotated[str, Field(min_length=1, max_length=1024)]
_NOT_GRANTED = (403, "the key or upload id is not one this caller was given (`key_not_granted`)")
_CONFLICT = (409, "the upload is not in a state that allows this (`upload_incomplete`, "
                  "`upload_missing`, `size_mismatch`, `upload_conflict`, `upload_aborting`, "
                  "`upload_completing`)")
_TOO_LARGE = (413, "the request body is over 1 MiB, the file over the upload limit, or over "
                   "what the caller's quota leaves (`quota_exceeded`)")
_TOO_MANY = (409, "the caller already has as many uploads in flight as they may "
                  "(`too_many_uploads`)")


class LegacyVideo(BaseModel):
    """A video in the starter's shape: a few fields of the one record, as its client reads them."""

    id: str
    owner: str
    title: str
    description: str
    uploaded_at: datetime | None

    @classmethod
    def of(cls, video: records.Video) -> LegacyVideo:
        return cls(id=video.id, owner=video.owner, title=video.title,
                   description=video.description, uploaded_at=video.uploaded_at)


class Register(BaseModel):
    title: str = Field(min_length=1, max_length=videos.MAX_TITLE * 2)
    description: str = Field("", max_length=videos.MAX_DESCRIPTION)
    s3_key: S3Key
    visibility: Visibility = Visibility.PRIVATE

    _title = field_validator("title")(videos.check_title)
    _description = field_validator("description")(videos.check_description)


class FileInfo(BaseModel):
    filename: str = Field(min_length=1, max_length=videos.MAX_FILENAME)
    content_type: str = Field(min_length=3, max_length=100)
    # Not in the starter's contract: a client that sends it gets a URL with the length
    # signed in (S3 refuses any other); without it the URL is short-lived.
    size: int | None = Field(None, ge=1, strict=True,
                             description="bytes; when given, the only length S3 accepts")

    _filename = field_validator("filename")(videos.check_filename)
    _content_type = field_validator("content_type")(videos.check_content_type)


class OptionalFileInfo(FileInfo):
    """The starter's multipart init sends no body; these defaults stand in."""

    filename: str = Field("upload", min_length=1, max_length=videos.MAX_FILENAME)
    content_type: str = Field("application/octet-stream", min_length=3, max_length=100)


class PresignedUpload(BaseModel):
    upload_url: str
    s3_key: str


class MultipartInit(BaseModel):
    upload_id: str
    s3_key: str


class UploadRef(BaseModel):
    s3_key: S3Key
    upload_id: UploadId


class PartRef(UploadRef):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    # Not in the starter's contract: the part's length, signed in when given.
    size: int | None = Field(None, ge=1, le=uploads.MAX_PART_SIZE, strict=True,
                             description="bytes of this part; when given, the only length "
                                         "S3 accepts")


class CompletedPart(BaseModel):
    PartNumber: int = Field(ge=1, le=MAX_PARTS)
    # Printable ASCII, as every S3 ETag is: a NUL would break the XML sent to S3.
    ETag: str = Field(min_length=1, max_length=100, pattern=r"^[ -~]+$")


class CompleteRef(UploadRef):
    parts: list[CompletedPart] = Field(min_length=1, max_length=MAX_PARTS)


class Url(BaseModel):
    url: str


class TokenOnly(BaseModel):
    token: str


class UploadStep(BaseModel):
    """A multipart upload the caller completed (then register it) or aborted."""

    status: Literal["completed", "aborted"]
    s3_key: str


@router.post("/auth/token/", response_model=TokenOnly,
             responses=responses(400, (401, "wrong username or password"), 413, 429, BUSY))
def token(body: Credentials, request: Request, svc: SvcDep) -> TokenOnly:
    """Exchange a username and password for a token: `{"token": ...}`."""
    plain, _row, _user = sign_in(svc, client_address(request, svc.settings), body.username,
                                 body.password, "starter client")
    return TokenOnly(token=plain)


@router.get("/videos/", response_model=list[LegacyVideo], responses=responses(401))
def list_videos(svc: SvcDep, viewer: ViewerDep) -> list[LegacyVideo]:
    """Registered videos the caller may list, newest first (anonymous: public ones)."""
    stmt = videos.list_statement(viewer, videos.VideoQuery(limit=LIST_CAP))
    with svc.db.session() as session:
        rows = session.execute(stmt.where(Video.uploaded_at.is_not(None))).all()
    return [LegacyVideo.of(videos.record(video, owner)) for video, owner in rows]


@router.post("/videos/", response_model=LegacyVideo, status_code=201,
             responses=responses(400, 401, _NOT_GRANTED, _CONFLICT, _TOO_LARGE, 502))
def register(body: Register, svc: SvcDep, user: UserDep,
             tasks: BackgroundTasks) -> LegacyVideo:
    """Register an uploaded object: only a key this caller got from presign or multipart init."""
    with svc.db.session() as session:
        video, upload = uploads.granted_upload(session, user, body.s3_key)
        if upload.upload_id:
            raise uploads.UploadConflict("complete the multipart upload first",
                                         "upload_incomplete")
        video.title, video.description = body.title, body.description
        video.visibility = body.visibility
        uploads.complete_upload(session, svc.storage, video, upload)
        record = videos.record(video, user.username)
    if svc.launcher is not None:
        svc.launcher.schedule(tasks, record.id, record.upload_version)
    return LegacyVideo.of(record)


@router.post("/videos/presign-upload/", response_model=PresignedUpload,
             responses=responses(400, 401, _TOO_MANY, _TOO_LARGE))
def presign_upload(body: FileInfo, svc: SvcDep, user: UserDep) -> PresignedUpload:
    """A PUT URL (content type, and `size` when sent, signed in) for a new object; register
    it afterwards. Without `size` the URL lives REELHOUSE_LEGACY_UPLOAD_URL_TTL_S."""
    with svc.db.session() as session:
        video, upload = uploads.start_upload(session, svc.storage, user, filename=body.filename,
                                             size=body.size, content_type=body.content_type,
                                             multipart=False)
        signed = uploads.single_put(svc.storage, video, upload)
    return PresignedUpload(upload_url=signed.url, s3_key=upload.key)


@router.get("/videos/{video_id}/presign-download/", response_model=Url,
            responses=responses(401, 404, (409, "not uploaded yet (`not_uploaded`), failed "
                                                "processing (`failed`), or not processed yet "
                                                "and the caller is not its owner "
                                                "(`not_ready`)")))
async def presign_download(video_id: str, svc: SvcDep, viewer: ViewerDep) -> Url:
    """A GET URL a plain `<video src>` plays: the progressive MP4 once ready; before that the
    upload itself, to its owner (or an admin) only.

    The raw upload is only what someone sent: until the pipeline accepted it (and never
    once it rejected it) handing it to others would make the bucket free file hosting.
    """
    video = await viewable_video(svc, video_id, viewer)
    if video.status == VideoStatus.UPLOADING:
        raise ApiError(409, "not_uploaded", "the video has not been uploaded yet")
    if video.status == VideoStatus.FAILED:
        raise ApiError(409, "failed", "the video failed processing: there is nothing to "
                                      "download")
    if video.status == VideoStatus.READY and video.media_version:
        return Url(url=svc.playback.presign(keys.progressive_key(video.id, video.media_version)))
    if not videos.can_edit(viewer, video):
        raise ApiError(409, "not_ready", "the video is still being processed")
    return Url(url=svc.playback.presign(keys.source_key(video.id)))


@router.post("/videos/multipart/init/", response_model=MultipartInit,
             responses=responses(400, 401, _TOO_MANY, _TOO_LARGE, 502))
def multipart_init(svc: SvcDep, user: UserDep,
                   body: OptionalFileInfo | None = None) -> MultipartInit:
    """Start a multipart upload for a new object."""
    body = body or OptionalFileInfo()
    with svc.db.session() as session:
        _video, upload = uploads.start_upload(session, svc.storage, user,
                                              filename=body.filename, size=None,
                                              content_type=body.content_type, multipart=True)
    return MultipartInit(upload_id=upload.upload_id or "", s3_key=upload.key)


@router.post("/videos/multipart/presign/", response_model=Url,
             responses=responses(400, 401, _NOT_GRANTED, _CONFLICT, _TOO_LARGE))
def multipart_presign(body: PartRef, svc: SvcDep, user: UserDep) -> Url:
    """A PUT URL for one part of the caller's own multipart upload: its `size` signed in
    when sent, else short-lived; none once the parts held reach the limit or the quota."""
    sizes = {body.part_number: body.size} if body.size else {}
    with svc.db.session() as session:
        _video, upload = uploads.granted_upload(session, user, body.s3_key, body.upload_id)
        (signed,) = uploads.part_urls(session, svc.storage, upload, [(body.part_number, None)],
                                      owner=user, sizes=sizes)
    return Url(url=signed.url)


@router.post("/videos/multipart/complete/", response_model=UploadStep,
             responses=responses(400, 401, _NOT_GRANTED, _CONFLICT, 413, 502))
def multipart_complete(body: CompleteRef, svc: SvcDep, user: UserDep) -> UploadStep:
    """Assemble the parts; the object is then registered with `POST /api/videos/`."""
    with svc.db.session() as session:
        _video, upload = uploads.granted_upload(session, user, body.s3_key, body.upload_id)
        parts = [Part(p.PartNumber, p.ETag, 0) for p in body.parts]
        try:
            uploads.assemble_parts(session, svc.storage, upload, parts)
        except StorageError as e:
            # SeaweedFS answers NoSuchUpload (our ObjectNotFound) where AWS says InvalidPart.
            if not isinstance(e, ObjectNotFound) and not any(c in str(e) for c in _PART_ERRORS):
                raise
            raise uploads.UploadError("S3 refused these parts (unknown, out of order, too "
                                      "small) or no longer knows the upload",
                                      "invalid_parts") from e
    return UploadStep(status="completed", s3_key=body.s3_key)


@router.post("/videos/multipart/abort/", response_model=UploadStep,
             responses=responses(400, 401, _NOT_GRANTED, _CONFLICT, 413, 502))
def multipart_abort(body: UploadRef, svc: SvcDep, user: UserDep) -> UploadStep:
    """Abort the caller's multipart upload (until S3 lists no parts) and forget its key."""
    with svc.db.session() as session:
        video, upload = uploads.granted_upload(session, user, body.s3_key, body.upload_id)
        uploads.abort_upload(session, svc.storage, video, upload)
    return UploadStep(status="aborted", s3_key=body.s3_key)

