"""What every per-video asset shares: retry rules, pools, code version, run tags, the guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import dagster as dg

from assets.database import DatabaseResource
from reelhouse import keys
from reelhouse.errors import ObjectNotFound, StorageError, VideoGone
from reelhouse.media.ladder import LADDER_VERSION
from reelhouse.records import VideoStatus
from reelhouse.runs import UPLOAD_VERSION_TAG

if TYPE_CHECKING:
    from assets.resources import StorageResource

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
    """Record `reason` on the video while it is on its way to ready; a `ready` one stays
    ready (its live version is untouched by a failed reprocess), a newer upload's is left."""
    if not database.set_status(context.partition_key, VideoStatus.FAILED, reason,
                               only_from=(VideoStatus.UPLOADED, VideoStatus.PROCESSING),
                               upload_version=upload_version(context)):
        context.log.warning("video row not marked failed: it is ready, a newer upload "
                            "replaced it, or it is gone")


def purge_outputs(storage: StorageResource, video_id: str) -> int:
    """Remove everything processing made of a deleted video: every version, the facts and
    its catalog rows (the API's delete does the same; whichever runs last wins)."""
    from reelhouse.catalog.writer import delete_video as delete_catalog_rows  # pyarrow

    s3 = storage.client()
    return s3.delete_prefix(keys.media_prefix(video_id)) + delete_catalog_rows(s3, video_id)


@contextmanager
def guard(context: dg.AssetExecutionContext, database: DatabaseResource,
          storage: StorageResource, doing: str) -> Iterator[None]:
    """Run a step's body on a video that exists: checked before, and after, so whatever the
    body wrote for a video deleted meanwhile is removed again (the API's delete marks the
    row first and removes objects after, so one of the two always sees the other's work).
    Transient storage errors retry; everything else fails once, marking the video.

    The user reads "processing failed while <doing>"; the details stay in the Dagster log.
    """
    video_id = context.partition_key
    try:
        database.require_video(video_id)
        yield
        database.require_video(video_id)
    except VideoGone as e:
        removed = purge_outputs(storage, video_id)
        context.log.warning(f"{video_id} was deleted while {doing}: removed {removed} "
                            "objects it had left; stopping")
        raise dg.Failure(f"{video_id} was deleted while {doing}", allow_retries=False) from e
    except dg.Failure:
        raise
    except Exception as e:  # anything else: only a transient storage error may retry
        transient = isinstance(e, StorageError) and not isinstance(e, ObjectNotFound)
        if transient and context.retry_number < (STORAGE_RETRY.max_retries or 0):
            raise  # the RetryPolicy tries the step again after a backoff
        suffix = ": storage unavailable" if transient else ""
        mark_failed(context, database, f"processing failed while {doing}{suffix}")
        raise dg.Failure(f"{doing}: {type(e).__name__}: {e}", allow_retries=False) from e
