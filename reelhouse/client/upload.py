"""One upload from start (or resume) to completion: the session, the parts, the record."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from reelhouse.client.errors import Conflict, Forbidden, NotFound
from reelhouse.client.models import UploadState
from reelhouse.client.progress import Progress, reporter
from reelhouse.client.sources import Source, part_range
from reelhouse.client.transfer import Transfer
from reelhouse.records import Video, VideoStatus

if TYPE_CHECKING:
    from reelhouse.client.api import Client

# Small files get a whole-file SHA-256 declared up front (S3 checks it on the single PUT);
# larger ones have each part's SHA-256 signed into its URL instead.
WHOLE_FILE_CHECKSUM_MAX = 64 * 1024 * 1024
URL_BATCH = 20


def send_upload(client: Client, src: Source, *, title: str, description: str,
                visibility: str, content_type: str, concurrency: int, progress: Progress,
                fingerprint: str | None, checksum: bool) -> Video:
    """Start (or resume, when `fingerprint` has a record) an upload, send it and complete it.

    The resume record is written as soon as the API has minted the video and removed once
    the upload completes, so an interruption anywhere in between can be resumed.
    """
    state: UploadState | None = None
    if fingerprint is not None:
        found = resumable(client, fingerprint, src.size)
        if isinstance(found, Video):
            return found
        state = found
    if state is None:
        small = src.size <= WHOLE_FILE_CHECKSUM_MAX and getattr(src, "seekable", True)
        sha256 = whole_sha256(src) if checksum and small else None
        state = client.start_upload(filename=src.name, size=src.size, content_type=content_type,
                                    title=title, description=description,
                                    visibility=visibility, sha256=sha256)
        if fingerprint is not None:
            client.resume.save(client.resume.new(state.video_id, client.base_url, fingerprint,
                                                 src.size, state.part_size, src.name))
    numbers = state.to_send()
    waiting = sum(part_range(n, state.part_size, state.size)[1] for n in numbers)
    # The first answer carries as many part URLs as the API signs per request.
    batch = len(state.parts) if 0 < len(state.parts) < state.part_count else URL_BATCH
    shown = reporter(progress, src.size, src.size - waiting, src.name)
    try:
        Transfer(client, client.storage_http, src, state, shown, concurrency=concurrency,
                 checksum=checksum, retry=client.retry, batch=batch).run(numbers)
    finally:
        shown.close()
    video = client.complete_upload(state.video_id)
    if fingerprint is not None:
        client.resume.delete(client.base_url, fingerprint)
    return video


def resumable(client: Client, fingerprint: str, size: int) -> UploadState | Video | None:
    """The state of this file's unfinished upload, its video if it finished, or None."""
    record = client.resume.load(client.base_url, fingerprint)
    if record is None:
        return None
    try:
        state: UploadState | None = client.upload_status(record.video_id)
    except (NotFound, Forbidden, Conflict):
        state = None  # finished, aborted, expired in S3, or someone else's
    if state is not None and state.size == size:
        return state
    client.resume.delete(client.base_url, fingerprint)
    if state is None:
        try:
            video = client.video(record.video_id)
        except (NotFound, Forbidden):
            return None
        if video.status is not VideoStatus.UPLOADING and video.source_size == size:
            return video  # completed earlier; the record outlived it
    return None


def whole_sha256(src: Source) -> str:
    """Hex SHA-256 of the whole source, read chunk by chunk."""
    digest = hashlib.sha256()
    for chunk in src.part(0, src.size).chunks():
        digest.update(chunk)
    return digest.hexdigest()
