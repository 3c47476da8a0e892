"""What every per-video asset shares: retry rules, pools, code version, run tags, the guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from assets.database import DatabaseResource
from reelhouse.errors import ObjectNotFound, StorageError
from reelhouse.media.ladder import LADDER_VERSION
from reelhouse.records import VideoStatus

UPLOAD_VERSION_TAG = "reelhouse/upload_version"
# Pools (Dagster op concurrency): the instance config serialises every pool (limit 1), and
# the daemon widens `transcode` to REELHOUSE_TRANSCODE_CONCURRENCY (pipelines.pools).
# Catalog writers and compaction share `catalog`, so compaction never races a write.
TRANSCODE_POOL = "transcode"
CATALOG_POOL = "catalog"
# The ladder version names how media is made from a source (ladder, tone mapping, thumbnails),
# so a bump marks every product of every video stale in the UI; probing is not part of it.
MEDIA_CODE_VERSION = LADDER_VERSION
# Transient storage errors only (see `guard`): a few tries, 2 s then doubling, jittered.
STORAGE_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL,
                               jitter=dg.Jitter.PLUS_MINUS)


def upload_version(context: dg.AssetExecutionContext) -> int | None:
    """The upload this run processes, when the uploads sensor started it."""
    value = context.run.tags.get(UPLOAD_VERSION_TAG)
    return int(value) if value and value.isdigit() else None


def mark_failed(context: dg.AssetExecutionContext, database: DatabaseResource,
                reason: str) -> None:
    """Record `reason` on the video, unless a newer upload has replaced the one we process."""
    if not database.set_status(context.partition_key, VideoStatus.FAILED, reason,
                               upload_version=upload_version(context)):
        context.log.warning("video row not updated: a newer upload replaced it, or it is gone")


@contextmanager
def guard(context: dg.AssetExecutionContext, database: DatabaseResource,
          doing: str) -> Iterator[None]:
    """Let transient storage errors retry; everything else fails once, marking the video.

    The user reads "processing failed while <doing>"; the details stay in the Dagster log.
    """
    try:
        yield
    except dg.Failure:
        raise
    except Exception as e:  # anything else: only a transient storage error may retry
        transient = isinstance(e, StorageError) and not isinstance(e, ObjectNotFound)
        if transient and context.retry_number < (STORAGE_RETRY.max_retries or 0):
            raise  # the RetryPolicy tries the step again after a backoff
        suffix = ": storage unavailable" if transient else ""
        mark_failed(context, database, f"processing failed while {doing}{suffix}")
        raise dg.Failure(f"{doing}: {type(e).__name__}: {e}", allow_retries=False) from e
