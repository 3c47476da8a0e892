"""`media_sweep_sensor`: removes what nobody can reach any more, a little every tick."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from assets.database import DatabaseResource
from assets.partitions import videos_partitions
from assets.resources import StorageResource
from reelhouse import keys, videos
from reelhouse.config import Settings
from reelhouse.db import utcnow

SWEEP_INTERVAL_S = 30
# Listing every partition costs one query per 500 videos: done this often, not every tick.
PARTITION_SCAN_S = 600
# A delete still `deleting` after this long was interrupted (the API finishes in seconds).
UNFINISHED_DELETE_S = 120
_PARTITION_CHUNK = 500


def retired_grace_s(settings: Settings) -> int:
    """How long a replaced version outlives its flip: a playback link signed just before
    lives one TTL, a playlist fetched at its end signs segment URLs for one TTL more, and
    the API may reuse the video's row (with the old version) for api_read_cache_s."""
    ttl = settings.clamp_ttl(settings.playback_url_ttl_s)
    return 2 * ttl + 60 + int(settings.api_read_cache_s)


def gone_partitions(instance: dg.DagsterInstance, database: DatabaseResource) -> list[str]:
    """Video partitions whose video has no row any more (deleted)."""
    known = instance.get_dynamic_partitions(videos_partitions.name or "videos")
    gone: list[str] = []
    for start in range(0, len(known), _PARTITION_CHUNK):
        chunk = list(known[start:start + _PARTITION_CHUNK])
        rows = videos.existing_ids(database.database(), chunk)
        gone += [k for k in chunk if k not in rows]
    return gone


@dg.sensor(minimum_interval_seconds=SWEEP_INTERVAL_S,
           default_status=dg.DefaultSensorStatus.RUNNING)
def media_sweep_sensor(context: dg.SensorEvaluationContext, database: DatabaseResource,
                       storage: StorageResource) -> dg.SensorResult | dg.SkipReason:
    """Replaced media versions once their grace period is over, deletes that were
    interrupted (finished here), and the Dagster partitions of deleted videos (the cursor
    holds when partitions were last compared with the database)."""
    settings, s3, now = storage.settings, storage.client(), utcnow()
    gone: list[str] = []
    done: list[str] = []
    due = now - timedelta(seconds=retired_grace_s(settings))
    for video_id, version in database.retired_due(due):
        s3.delete_prefix(keys.version_prefix(video_id, version))
        database.forget_retired(video_id, version)
        done.append(f"removed version {version} of {video_id}")
    stale = now - timedelta(seconds=UNFINISHED_DELETE_S)
    for video_id in videos.unfinished_deletes(database.database(), stale):
        videos.delete_video(database.database(), s3, video_id)
        done.append(f"finished deleting {video_id}")
        if context.instance.has_dynamic_partition(videos_partitions.name or "videos", video_id):
            gone.append(video_id)
    scanned = float(context.cursor) if context.cursor else 0.0
    if now.timestamp() - scanned >= PARTITION_SCAN_S:
        gone = sorted(set(gone) | set(gone_partitions(context.instance, database)))
        context.update_cursor(str(now.timestamp()))
    done += [f"removed partition {k}" for k in gone]
    for line in done:
        context.log.info(line)
    if not done:
        return dg.SkipReason("nothing to sweep")
    return dg.SensorResult(
        dynamic_partitions_requests=[videos_partitions.build_delete_request(gone)] if gone
        else [])
