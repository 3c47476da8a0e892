"""`media_sweep_sensor`: the sweeper's cheap pass every 30 s (reelhouse.sweeper.sweep_due),
and the Dagster partitions of deleted videos."""

from __future__ import annotations

import dagster as dg

from assets.database import DatabaseResource
from assets.partitions import videos_partitions
from assets.resources import StorageResource
from reelhouse import videos
from reelhouse.db import utcnow
from reelhouse.sweeper import sweep_due

SWEEP_INTERVAL_S = 30
# Listing every partition costs one query per 500 videos: done this often, not every tick.
PARTITION_SCAN_S = 600
_PARTITION_CHUNK = 500


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
    now = utcnow()
    report = sweep_due(database.database(), storage.client(), now)
    done = [f"removed version {v}" for v in report.retired_versions]
    done += [f"finished deleting {v}" for v in report.finished_deletes]
    gone = [v for v in report.finished_deletes
            if context.instance.has_dynamic_partition(videos_partitions.name or "videos", v)]
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
