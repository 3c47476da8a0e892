"""The failure guard: which errors retry, which fail once, and what the video row says."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import dagster as dg
import pytest

from assets.common import STORAGE_RETRY, UPLOAD_VERSION_TAG, guard
from reelhouse import keys
from reelhouse.errors import ObjectNotFound, StorageError, VideoGone
from reelhouse.media.ffmpeg import FfmpegError
from tests.unit.assets.fakes import VIDEO_ID, FakeStorage


class FakeDatabase:
    def __init__(self, gone_after: int | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.checks = 0
        self.gone_after = gone_after  # the video is deleted after this many checks

    def require_video(self, video_id: str) -> object:
        self.checks += 1
        if self.gone_after is not None and self.checks > self.gone_after:
            raise VideoGone(f"{video_id} was deleted")
        return object()

    def set_status(self, video_id: str, status: str, reason: str = "",
                   upload_version: int | None = None, **_: object) -> bool:
        self.calls.append((video_id, status, reason, upload_version))
        return True


class FakeStorageResource:
    def __init__(self) -> None:
        self.s3 = FakeStorage()

    def client(self) -> FakeStorage:
        return self.s3


S3 = FakeStorageResource()


def _context(retry_number: int = 0) -> Any:
    return SimpleNamespace(partition_key=VIDEO_ID, retry_number=retry_number,
                           run=SimpleNamespace(tags={UPLOAD_VERSION_TAG: "4"}),
                           log=logging.getLogger("test"))


def test_transient_storage_error_retries_without_touching_the_video() -> None:
    """While retries remain, a storage error propagates as is for the RetryPolicy."""
    db = FakeDatabase()
    with pytest.raises(StorageError), guard(_context(), db, S3, "doing x"):  # type: ignore[arg-type]
        raise StorageError("s3: SlowDown")
    assert db.calls == []


def test_last_storage_retry_fails_once_and_marks_the_video() -> None:
    """When retries are used up, the step fails for good and the video says why."""
    db = FakeDatabase()
    last = STORAGE_RETRY.max_retries
    with pytest.raises(dg.Failure) as info, guard(_context(last), db, S3, "doing x"):  # type: ignore[arg-type]
        raise StorageError("s3: SlowDown")
    assert info.value.allow_retries is False
    assert db.calls == [(VIDEO_ID, "failed",
                         "processing failed while doing x: storage unavailable", 4)]


@pytest.mark.parametrize("error", [FfmpegError("ffmpeg exited 1"), ObjectNotFound("gone"),
                                   KeyError("rungs")])
def test_other_errors_never_retry_and_give_a_readable_reason(error: Exception) -> None:
    """ffmpeg failures, missing objects and bugs fail the step once, marking the video."""
    db = FakeDatabase()
    with pytest.raises(dg.Failure) as info, guard(_context(), db, S3, "making x"):  # type: ignore[arg-type]
        raise error
    assert info.value.allow_retries is False
    assert db.calls == [(VIDEO_ID, "failed", "processing failed while making x", 4)]


def test_our_own_failures_pass_through_untouched() -> None:
    """A deliberate `dg.Failure` (e.g. a missing upstream) leaves the video row alone."""
    db = FakeDatabase()
    with pytest.raises(dg.Failure, match="materialize source_probe first"), guard(
            _context(), db, S3, "x"):  # type: ignore[arg-type]
        raise dg.Failure("materialize source_probe first", allow_retries=False)
    assert db.calls == []


@pytest.mark.parametrize("gone_after", [0, 1])
def test_a_video_deleted_before_or_during_a_step_loses_what_the_step_wrote(
        gone_after: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleted before the step (first check) or while it ran (the check after it), the
    step fails without retry, every object under the video's media prefix and its catalog
    rows are removed, and the video row is not touched (it is gone)."""
    from reelhouse.catalog import writer

    purged: list[str] = []
    monkeypatch.setattr(writer, "delete_video", lambda _s3, video_id: purged.append(video_id)
                        or 0)
    db, storage = FakeDatabase(gone_after=gone_after), FakeStorageResource()
    written = keys.poster_key(VIDEO_ID, "01JD0000000000000000000000")
    with pytest.raises(dg.Failure, match="was deleted while making x") as info, guard(
            _context(), db, storage, "making x"):  # type: ignore[arg-type]
        storage.s3.put_bytes(written, b"jpeg")
    assert info.value.allow_retries is False
    assert storage.s3.objects == {} and purged == [VIDEO_ID] and db.calls == []
