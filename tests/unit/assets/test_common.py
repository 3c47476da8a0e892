"""The failure guard: which errors retry, which fail once, and what the video row says."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import dagster as dg
import pytest

from assets.common import STORAGE_RETRY, UPLOAD_VERSION_TAG, guard
from reelhouse.errors import ObjectNotFound, StorageError
from reelhouse.media.ffmpeg import FfmpegError
from tests.unit.assets.fakes import VIDEO_ID


class FakeDatabase:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def set_status(self, video_id: str, status: str, reason: str = "",
                   upload_version: int | None = None, **_: object) -> bool:
        self.calls.append((video_id, status, reason, upload_version))
        return True


def _context(retry_number: int = 0) -> Any:
    return SimpleNamespace(partition_key=VIDEO_ID, retry_number=retry_number,
                           run=SimpleNamespace(tags={UPLOAD_VERSION_TAG: "4"}),
                           log=logging.getLogger("test"))


def test_transient_storage_error_retries_without_touching_the_video() -> None:
    """While retries remain, a storage error propagates as is for the RetryPolicy."""
    db = FakeDatabase()
    with pytest.raises(StorageError), guard(_context(), db, "doing x"):  # type: ignore[arg-type]
        raise StorageError("s3: SlowDown")
    assert db.calls == []


def test_last_storage_retry_fails_once_and_marks_the_video() -> None:
    """When retries are used up, the step fails for good and the video says why."""
    db = FakeDatabase()
    last = STORAGE_RETRY.max_retries
    with pytest.raises(dg.Failure) as info, guard(_context(last), db, "doing x"):  # type: ignore[arg-type]
        raise StorageError("s3: SlowDown")
    assert info.value.allow_retries is False
    assert db.calls == [(VIDEO_ID, "failed",
                         "processing failed while doing x: storage unavailable", 4)]


@pytest.mark.parametrize("error", [FfmpegError("ffmpeg exited 1"), ObjectNotFound("gone"),
                                   KeyError("rungs")])
def test_other_errors_never_retry_and_give_a_readable_reason(error: Exception) -> None:
    """ffmpeg failures, missing objects and bugs fail the step once, marking the video."""
    db = FakeDatabase()
    with pytest.raises(dg.Failure) as info, guard(_context(), db, "making x"):  # type: ignore[arg-type]
        raise error
    assert info.value.allow_retries is False
    assert db.calls == [(VIDEO_ID, "failed", "processing failed while making x", 4)]


def test_our_own_failures_pass_through_untouched() -> None:
    """A deliberate `dg.Failure` (e.g. a missing upstream) leaves the video row alone."""
    db = FakeDatabase()
    with pytest.raises(dg.Failure, match="materialize source_probe first"), guard(
            _context(), db, "x"):  # type: ignore[arg-type]
        raise dg.Failure("materialize source_probe first", allow_retries=False)
    assert db.calls == []
