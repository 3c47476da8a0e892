"""Upload sessions: direct-to-S3 uploads the API signs, resumes, completes and aborts.

The object key is always `keys.source_key(video_id)`. A small file gets one presigned PUT
with its content type, length (and SHA-256 when given) signed in; a large one a multipart
upload whose part URLs each sign the part's exact length (and checksum when given), so S3
itself refuses bytes outside what was declared.
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

from sqlalchemy import delete
from sqlalchemy.orm import Session

from reelhouse import keys, videos
from reelhouse.config import MAX_PARTS, Settings
from reelhouse.db import UploadPartChecksum, UploadSession, User, Video, new_id, utcnow
from reelhouse.errors import ObjectNotFound, ReelhouseError
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


def single_put(storage: Storage, video: Video, upload: UploadSession) -> SignedRequest:
    """The one PUT of a small upload: content type, length and declared SHA-256 signed in."""
    params: dict[str, Any] = {"Key": upload.key, "ContentType": video.content_type}
    headers = {"Content-Type": video.content_type}
    if upload.declared_size:
        params["ContentLength"] = upload.declared_size
    if upload.sha256:
        params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = sha256_b64(upload.sha256)
    return _presign(storage, "put_object", params, storage.settings.upload_url_ttl_s, headers,
                    size=upload.declared_size or None)


def part_size_of(upload: UploadSession, number: int) -> int:
    if number == upload.part_count:
        return upload.declared_size - upload.part_size * (upload.part_count - 1)
    return upload.part_size


def part_urls(session: Session, storage: Storage, upload: UploadSession,
              wanted: list[tuple[int, str | None]]) -> list[SignedRequest]:
    """Presigned part PUTs, each with its exact length and (new or remembered) checksum."""
    if not upload.upload_id:
        raise UploadConflict("not a multipart upload")
    # An upload of unknown size (the starter's clients) may use any part number S3 allows.
    last = upload.part_count or MAX_PARTS
    if len(wanted) > storage.settings.part_url_batch:
        raise UploadError(f"parts: at most {storage.settings.part_url_batch} per request")
    signed = []
    for number, checksum in wanted:
        if not 1 <= number <= last:
            raise UploadError(f"part_number: 1-{last} for this upload")
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
        size = part_size_of(upload, number) if upload.part_count else None
        params: dict[str, Any] = {"Key": upload.key, "UploadId": upload.upload_id,
                                  "PartNumber": number}
        if size is not None:
            params["ContentLength"] = size
        headers = {}
        if checksum:
            params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = checksum
        signed.append(_presign(storage, "upload_part", params,
                               storage.settings.upload_url_ttl_s, headers,
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


def mark_uploaded(session: Session, video: Video, upload: UploadSession, size: int) -> Video:
    video.status = VideoStatus.UPLOADED
    video.failure_reason = ""
    video.source_size = size
    video.upload_version += 1
    video.uploaded_at = utcnow()
    session.execute(delete(UploadPartChecksum).where(UploadPartChecksum.video_id == video.id))
    session.delete(upload)
    session.flush()
    return video


def complete_upload(session: Session, storage: Storage, video: Video,
                    upload: UploadSession) -> Video:
    """Check every part and the final size against the declaration, then mark `uploaded`."""
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
    return mark_uploaded(session, video, upload, size)


def abort_upload(session: Session, storage: Storage, video: Video, upload: UploadSession,
                 attempts: int = 5) -> None:
    """Abort until S3 lists no parts (a part in flight can land after one abort), then forget."""
    if upload.upload_id:
        for attempt in range(attempts):
            storage.abort_multipart(upload.key, upload.upload_id)
            try:
                if not storage.list_parts(upload.key, upload.upload_id):
                    break
            except ObjectNotFound:
                break
            time.sleep(0.2 * (attempt + 1))
    storage.delete(upload.key)
    session.execute(delete(UploadPartChecksum).where(UploadPartChecksum.video_id == video.id))
    session.delete(upload)
    session.flush()
    session.delete(video)
    session.flush()
