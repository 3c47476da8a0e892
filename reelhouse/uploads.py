"""Upload sessions: direct-to-S3 uploads the API signs, resumes, completes and aborts.

The object key is always `keys.source_key(video_id)`. A small file gets one presigned PUT
with its content type, length (and SHA-256 when given) signed in; a large one a multipart
upload whose part URLs each sign the part's exact length (and checksum when given), so S3
itself refuses bytes outside what was declared. The starter's clients declare no length:
their URLs are short-lived instead, and what they put is checked when it is registered.

Complete and abort each claim the session first (`UPDATE ... WHERE state IN (...)`,
committed before any storage call), so they never run on one upload at once: abort cannot
delete what complete assembled, and complete never marks an object abort removed. Quotas
(bytes a user holds, uploads in flight) are checked under a lock on the owner's row.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from reelhouse import keys, videos
from reelhouse.config import MAX_PARTS, Settings
from reelhouse.db import (
    UploadPartChecksum,
    UploadSession,
    UploadState,
    User,
    Video,
    new_id,
    utcnow,
)
from reelhouse.errors import ObjectNotFound, ReelhouseError
from reelhouse.faults import crash_point
from reelhouse.records import VideoStatus, Visibility
from reelhouse.storage import Part, Storage

MAX_PART_SIZE = 5 * 1024**3
_MIB = 1024 * 1024
_SOURCE_KEY = re.compile(r"raw/([0-9A-HJKMNP-TV-Z]{26})/source")


class UploadError(ReelhouseError, ValueError):
    """An upload request we refuse; `code` is a stable string for API clients."""

    code = "invalid_upload"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.code


class UploadTooLarge(UploadError):
    code = "upload_too_large"


class UploadConflict(UploadError):
    """The upload is not in a state that allows this step (not finished, already done...)."""

    code = "upload_conflict"


class UploadNotGranted(UploadError, PermissionError):
    """The caller names an object key or upload id the API never gave them."""

    code = "key_not_granted"


class QuotaExceeded(UploadTooLarge):
    """The upload would bring what its owner stores over their quota of bytes."""

    code = "quota_exceeded"


class TooManyUploads(UploadConflict):
    """The owner already has as many uploads in flight as they may."""

    code = "too_many_uploads"


@dataclass(frozen=True)
class Quota:
    """What one user may hold: bytes of their videos and uploads in flight (None: no limit)."""

    bytes: int | None
    uploads: int | None


def quota_of(user: User, settings: Settings) -> Quota:
    """A user's limits; an admin's are the admin settings, unset meaning exempt."""
    if user.role == "admin":
        return Quota(settings.admin_quota_bytes, settings.admin_uploads_in_flight)
    return Quota(settings.user_quota_bytes, settings.user_uploads_in_flight)


def usage(session: Session, owner_id: int, *, besides: str | None = None) -> tuple[int, int]:
    """(bytes, uploads in flight) of one owner's videos, `besides` one of them left out; an
    upload in flight counts at its declared size (or what it has registered so far)."""
    mine = Video.owner_id == owner_id
    others = Video.id != besides if besides else mine
    stored = session.scalar(select(func.coalesce(func.sum(Video.source_size), 0))
                            .where(mine, others)) or 0
    flying = session.scalar(select(func.count()).select_from(UploadSession)
                            .join(Video, Video.id == UploadSession.video_id)
                            .where(mine, others)) or 0
    return int(stored), int(flying)


def check_quota(session: Session, owner: User, settings: Settings, size: int, *,
                new_upload: bool, besides: str | None = None) -> None:
    """Refuse `size` more bytes (and, with `new_upload`, one more upload) over the owner's
    quota. Locks the owner's row first, so a burst of parallel starts is counted one by one."""
    quota = quota_of(owner, settings)
    if quota.bytes is None and quota.uploads is None:
        return
    session.execute(update(User).where(User.id == owner.id).values(role=User.role)
                    .execution_options(synchronize_session=False))
    stored, flying = usage(session, owner.id, besides=besides)
    if new_upload and quota.uploads is not None and flying >= quota.uploads:
        raise TooManyUploads(f"uploads in flight: you have {flying}, the most you may have "
                             "at once: complete or abort one first")
    if quota.bytes is not None and stored + size > quota.bytes:
        raise QuotaExceeded(f"quota: {size} more bytes would bring what you store to "
                            f"{stored + size} bytes, over your quota of {quota.bytes}: "
                            "delete videos to make room")


def claim(session: Session, upload: UploadSession, to: UploadState,
          *expected: UploadState) -> bool:
    """Move the session to `to` if it is in one of `expected`, and commit at once, so every
    other request sees the claim before this one touches storage; False: someone else's."""
    result = session.execute(
        update(UploadSession)
        .where(UploadSession.video_id == upload.video_id, UploadSession.state.in_(expected))
        .values(state=to, touched_at=utcnow())
        .execution_options(synchronize_session=False))
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(upload, "state", to)
    return True


def _claimed_for_change(session: Session, upload: UploadSession, to: UploadState,
                        *expected: UploadState) -> None:
    if claim(session, upload, to, *expected):
        return
    state = session.scalar(select(UploadSession.state)
                           .where(UploadSession.video_id == upload.video_id))
    if state == UploadState.ABORTING:
        raise UploadConflict("the upload is being aborted", "upload_aborting")
    if state == UploadState.COMPLETING:
        raise UploadConflict("the upload is being completed: wait for it, then delete the "
                             "video if you no longer want it", "upload_completing")
    raise UploadConflict("the upload is gone (completed or aborted)", "upload_gone")


@dataclass(frozen=True)
class SignedRequest:
    """A presigned request: send `method` to `url` with exactly `headers`."""

    url: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "PUT"
    part_number: int | None = None
    size: int | None = None


@dataclass(frozen=True)
class UploadStatus:
    """What S3 holds for an upload: the parts already there and those still missing."""

    parts: list[Part]
    missing: list[int]
    uploaded_bytes: int
    complete_object: bool = False


def plan_parts(size: int, settings: Settings) -> tuple[int, int]:
    """(part size, part count) for `size` bytes: the configured part size, grown to fit 10,000."""
    part_size = settings.part_size_bytes
    if math.ceil(size / part_size) > MAX_PARTS:
        part_size = math.ceil(size / MAX_PARTS / _MIB) * _MIB
    if part_size > MAX_PART_SIZE:
        raise UploadTooLarge(f"size: {size} bytes needs parts over S3's 5 GiB limit")
    return part_size, max(1, math.ceil(size / part_size))


def sha256_b64(hex_digest: str) -> str:
    """S3's form of a SHA-256 (base64 of the digest) from its hex form."""
    try:
        raw = bytes.fromhex(hex_digest)
    except ValueError as e:
        raise UploadError("sha256: 64 hexadecimal characters") from e
    if len(raw) != 32:
        raise UploadError("sha256: 64 hexadecimal characters")
    return base64.b64encode(raw).decode()


def check_b64_sha256(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise UploadError("sha256: base64 of a 32-byte digest") from e
    if len(raw) != 32:
        raise UploadError("sha256: base64 of a 32-byte digest")
    return value


def _presign(storage: Storage, method: str, params: dict[str, Any], ttl_s: int,
             headers: dict[str, str], **extra: Any) -> SignedRequest:
    ttl = storage.settings.clamp_ttl(ttl_s)
    url = storage.presign(method, params, ttl)
    return SignedRequest(url, utcnow() + timedelta(seconds=ttl), headers, **extra)


def _check_meta(filename: str, content_type: str, title: str, description: str,
                visibility: str) -> tuple[str, str, str, str]:
    try:
        filename = videos.check_filename(filename)
        content_type = videos.check_content_type(content_type)
        title = videos.check_title(title or videos.title_from_filename(filename))
        description = videos.check_description(description)
    except ValueError as e:
        raise UploadError(str(e)) from e
    if visibility not in tuple(Visibility):
        raise UploadError(f"visibility: one of {', '.join(Visibility)}")
    return filename, content_type, title, description


def start_upload(session: Session, storage: Storage, owner: User, *, filename: str,
                 size: int | None, content_type: str, title: str = "", description: str = "",
                 visibility: str = Visibility.PRIVATE.value, sha256: str | None = None,
                 multipart: bool | None = None) -> tuple[Video, UploadSession]:
    """A new video in `uploading` and its session: one PUT up to a part's size, else multipart.

    `size=None` serves the starter's clients, which declare no size: then nothing about the
    length is signed and the checks happen when the object is registered.
    """
    settings = storage.settings
    filename, content_type, title, description = _check_meta(
        filename, content_type, title, description, visibility)
    if size is not None and size < 1:
        raise UploadError("size: at least 1 byte")
    if size is not None and size > settings.max_upload_bytes:
        raise UploadTooLarge(f"size: at most {settings.max_upload_bytes} bytes")
    digest = sha256.lower() if sha256 else ""
    if digest:
        sha256_b64(digest)
    part_size, part_count = plan_parts(size, settings) if size else (settings.part_size_bytes, 0)
    if multipart is None:
        multipart = part_count > 1
    if not multipart and size is not None and size > MAX_PART_SIZE:
        raise UploadTooLarge(f"size: one PUT holds at most {MAX_PART_SIZE} bytes: use a "
                             "multipart upload")
    check_quota(session, owner, settings, size or 0, new_upload=True)
    video = Video(id=new_id(), owner_id=owner.id, title=title, description=description,
                  visibility=visibility, filename=filename, content_type=content_type,
                  source_size=size or 0, source_sha256=digest)
    key = keys.source_key(video.id)
    upload_id = storage.create_multipart(key, content_type) if multipart else None
    upload = UploadSession(video_id=video.id, key=key, upload_id=upload_id, part_size=part_size,
                           part_count=part_count, declared_size=size or 0, sha256=digest)
    session.add(video)
    session.flush()
    session.add(upload)
    session.flush()
    return video, upload


def granted_upload(session: Session, user: User, key: str,
                   upload_id: str | None = None) -> tuple[Video, UploadSession]:
    """The caller's own open upload at `key` (and `upload_id`), else `UploadNotGranted`."""
    match = _SOURCE_KEY.fullmatch(key)
    video = session.get(Video, match.group(1)) if match else None
    upload = session.get(UploadSession, video.id) if video else None
    if (video is None or upload is None or video.owner_id != user.id
            or (upload_id is not None
                and not hmac.compare_digest(upload.upload_id or "", upload_id))):
        raise UploadNotGranted("s3_key: not an upload this caller started")
    return video, upload


def _ttl(settings: Settings, length_signed: bool) -> int:
    """Upload URLs live `upload_url_ttl_s`; one that signs no length (the starter's clients
    declare none) only `legacy_upload_url_ttl_s`, since nothing else bounds what it puts."""
    if length_signed:
        return settings.upload_url_ttl_s
    return min(settings.upload_url_ttl_s, settings.legacy_upload_url_ttl_s)


def touch(upload: UploadSession) -> None:
    """Note a client's activity on an open upload (the sweeper spares it), refusing one that
    is being aborted."""
    if upload.state == UploadState.ABORTING:
        raise UploadConflict("the upload is being aborted", "upload_aborting")
    upload.touched_at = utcnow()


def single_put(storage: Storage, video: Video, upload: UploadSession) -> SignedRequest:
    """The one PUT of a small upload: content type, length and declared SHA-256 signed in."""
    touch(upload)
    params: dict[str, Any] = {"Key": upload.key, "ContentType": video.content_type}
    headers = {"Content-Type": video.content_type}
    if upload.declared_size:
        params["ContentLength"] = upload.declared_size
    if upload.sha256:
        params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = sha256_b64(upload.sha256)
    ttl = _ttl(storage.settings, bool(upload.declared_size))
    return _presign(storage, "put_object", params, ttl, headers,
                    size=upload.declared_size or None)


def part_size_of(upload: UploadSession, number: int) -> int:
    if number == upload.part_count:
        return upload.declared_size - upload.part_size * (upload.part_count - 1)
    return upload.part_size


def _check_held(storage: Storage, owner: User, session: Session, upload: UploadSession) -> None:
    """Before another part URL of an upload of unknown size: what S3 already holds for it
    stays within the upload limit and the owner's quota."""
    held = sum(p.size for p in storage.list_parts(upload.key, upload.upload_id or ""))
    if held >= storage.settings.max_upload_bytes:
        raise UploadTooLarge(f"size: at most {storage.settings.max_upload_bytes} bytes")
    check_quota(session, owner, storage.settings, held, new_upload=False,
                besides=upload.video_id)


def part_urls(session: Session, storage: Storage, upload: UploadSession,
              wanted: list[tuple[int, str | None]], *, owner: User | None = None,
              sizes: dict[int, int] | None = None) -> list[SignedRequest]:
    """Presigned part PUTs, each with its exact length and (new or remembered) checksum.

    An upload of unknown size (the starter's clients) signs the length the client gives
    in `sizes`, or none: then the URL is short-lived, and no URL is signed once the parts S3
    holds reach the upload limit or `owner`'s quota.
    """
    if not upload.upload_id:
        raise UploadConflict("not a multipart upload")
    touch(upload)
    # An upload of unknown size (the starter's clients) may use any part number S3 allows.
    last = upload.part_count or MAX_PARTS
    if len(wanted) > storage.settings.part_url_batch:
        raise UploadError(f"parts: at most {storage.settings.part_url_batch} per request")
    sizes = sizes or {}
    if not upload.part_count and owner is not None:
        _check_held(storage, owner, session, upload)
    signed = []
    for number, checksum in wanted:
        if not 1 <= number <= last:
            raise UploadError(f"part_number: 1-{last} for this upload")
        if number in sizes and (upload.part_count or not 1 <= sizes[number] <= MAX_PART_SIZE):
            raise UploadError(f"size: 1-{MAX_PART_SIZE} bytes, for an upload of unknown size")
        row = session.get(UploadPartChecksum, (upload.video_id, number))
        if checksum:
            check_b64_sha256(checksum)
            if row is None:
                session.add(UploadPartChecksum(video_id=upload.video_id, part_number=number,
                                               sha256_b64=checksum))
            else:
                row.sha256_b64 = checksum
        elif row is not None:
            checksum = row.sha256_b64
        size = part_size_of(upload, number) if upload.part_count else sizes.get(number)
        params: dict[str, Any] = {"Key": upload.key, "UploadId": upload.upload_id,
                                  "PartNumber": number}
        if size is not None:
            params["ContentLength"] = size
        headers = {}
        if checksum:
            params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = checksum
        signed.append(_presign(storage, "upload_part", params,
                               _ttl(storage.settings, size is not None), headers,
                               part_number=number, size=size))
    session.flush()
    return signed


def first_batch(session: Session, storage: Storage, upload: UploadSession) -> list[SignedRequest]:
    count = min(upload.part_count or 1, storage.settings.part_url_batch)
    return part_urls(session, storage, upload, [(n, None) for n in range(1, count + 1)])


def upload_status(storage: Storage, upload: UploadSession) -> UploadStatus:
    """The parts S3 already holds (ListParts), so a client re-sends only what is missing."""
    if not upload.upload_id:
        head = storage.head(upload.key)
        held = int(head["ContentLength"]) if head else 0
        return UploadStatus([], [] if head else [1], held, complete_object=head is not None)
    try:
        parts = storage.list_parts(upload.key, upload.upload_id)
    except ObjectNotFound as e:
        raise UploadConflict("S3 no longer knows this upload (aborted or expired)",
                             "upload_gone") from e
    whole = {p.number for p in parts if p.size == part_size_of(upload, p.number)}
    missing = [n for n in range(1, upload.part_count + 1) if n not in whole]
    return UploadStatus(parts, missing, sum(p.size for p in parts))


def _mark_uploaded(session: Session, video: Video, upload: UploadSession, size: int) -> None:
    """Record the completed upload, only from `uploading` and a session this request claimed
    (checked row counts): a video deleted meanwhile is never brought back as `uploaded`."""
    moved = session.execute(
        update(Video).where(Video.id == video.id, Video.status == VideoStatus.UPLOADING)
        .values(status=VideoStatus.UPLOADED, failure_reason="", source_size=size,
                upload_version=Video.upload_version + 1, uploaded_at=utcnow(),
                updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    session.execute(delete(UploadPartChecksum).where(UploadPartChecksum.video_id == video.id))
    ended = session.execute(
        delete(UploadSession).where(UploadSession.video_id == video.id,
                                    UploadSession.state == UploadState.COMPLETING)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if moved != 1 or ended != 1:
        raise UploadConflict("the video was deleted while its upload completed", "upload_gone")
    session.expunge(upload)
    session.refresh(video)


def _assembled_size(storage: Storage, upload: UploadSession) -> int:
    """Assemble the parts (once they are all there, of the declared sizes) and return the
    object's size, checked against the declaration and the upload limit."""
    if upload.upload_id:
        try:
            parts = storage.list_parts(upload.key, upload.upload_id)
        except ObjectNotFound:
            parts = None  # completed earlier but not recorded (a crash): check the object
        if parts is not None:
            status = upload_status(storage, upload)
            if status.missing:
                shown = ", ".join(map(str, status.missing[:10]))
                raise UploadConflict(f"parts missing or of the wrong size: {shown}",
                                     "parts_missing")
            storage.complete_multipart(upload.key, upload.upload_id, parts)
            crash_point("upload.assembled")
    head = storage.head(upload.key)
    if head is None:
        raise UploadConflict("nothing has been uploaded yet", "upload_missing")
    size = int(head["ContentLength"])
    if upload.declared_size and size != upload.declared_size:
        storage.delete(upload.key)
        raise UploadConflict(f"size: uploaded {size} bytes, declared {upload.declared_size}",
                             "size_mismatch")
    if size > storage.settings.max_upload_bytes:
        storage.delete(upload.key)
        raise UploadTooLarge(f"size: at most {storage.settings.max_upload_bytes} bytes")
    return size


def complete_upload(session: Session, storage: Storage, video: Video,
                    upload: UploadSession) -> Video:
    """Check every part, the final size and the owner's quota, then mark `uploaded`.

    The session is claimed `completing` first: an abort arriving meanwhile is refused, and
    one that came first makes this refused. Any refusal hands the session back `open`.
    """
    _claimed_for_change(session, upload, UploadState.COMPLETING,
                        UploadState.OPEN, UploadState.COMPLETING)
    key = upload.key
    try:
        size = _assembled_size(storage, upload)
        owner = session.get(User, video.owner_id)
        if owner is not None and size > upload.declared_size:
            try:
                check_quota(session, owner, storage.settings, size, new_upload=False,
                            besides=video.id)
            except QuotaExceeded:
                storage.delete(key)
                raise
        _mark_uploaded(session, video, upload, size)
    except BaseException as e:
        session.rollback()
        if isinstance(e, UploadConflict) and e.code == "upload_gone":
            storage.delete(key)  # assembled for a video that no longer exists
        else:
            claim(session, upload, UploadState.OPEN, UploadState.COMPLETING)
        raise
    return video


def assemble_parts(session: Session, storage: Storage, upload: UploadSession,
                   parts: list[Part]) -> None:
    """The starter's multipart complete: assemble the parts the client lists into the
    object, which is then registered (`complete_upload`); claimed like a complete."""
    _claimed_for_change(session, upload, UploadState.COMPLETING,
                        UploadState.OPEN, UploadState.COMPLETING)
    try:
        storage.complete_multipart(upload.key, upload.upload_id or "", parts)
    except BaseException:
        claim(session, upload, UploadState.OPEN, UploadState.COMPLETING)
        raise
    # From now on the object exists and can be registered.
    session.execute(update(UploadSession).where(UploadSession.video_id == upload.video_id)
                    .values(upload_id=None, state=UploadState.OPEN, touched_at=utcnow())
                    .execution_options(synchronize_session=False))
    set_committed_value(upload, "upload_id", None)
    set_committed_value(upload, "state", UploadState.OPEN)


def abort_upload(session: Session, storage: Storage, video: Video, upload: UploadSession,
                 attempts: int = 5) -> None:
    """Abort until S3 lists no parts (a part in flight can land after one abort), delete the
    object, then forget the upload and its video.

    The session is claimed `aborting` first, so a complete in progress refuses this (and
    this, once claimed, refuses a complete): nothing complete assembled is ever deleted.
    """
    _claimed_for_change(session, upload, UploadState.ABORTING,
                        UploadState.OPEN, UploadState.ABORTING)
    discard_upload(session, storage, video.id, upload.key, upload.upload_id, attempts)


def discard_upload(session: Session, storage: Storage, video_id: str, key: str,
                   upload_id: str | None, attempts: int = 5) -> None:
    """Remove a claimed (`aborting`) upload from storage, then its session and video rows."""
    if upload_id:
        for attempt in range(attempts):
            storage.abort_multipart(key, upload_id)
            try:
                if not storage.list_parts(key, upload_id):
                    break
            except ObjectNotFound:
                break
            time.sleep(0.2 * (attempt + 1))
    storage.delete(key)
    session.execute(delete(UploadPartChecksum).where(UploadPartChecksum.video_id == video_id))
    ended = session.execute(
        delete(UploadSession).where(UploadSession.video_id == video_id,
                                    UploadSession.state == UploadState.ABORTING)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if ended == 1:
        session.execute(delete(Video).where(Video.id == video_id,
                                            Video.status == VideoStatus.UPLOADING)
                        .execution_options(synchronize_session=False))
    session.expire_all()
