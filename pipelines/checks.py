"""Asset checks over what players will fetch: they read the bucket, not local files."""


import warnings

import dagster as dg

from assets.database import DatabaseResource
from assets.facts import read_facts
from assets.hls import hls_renditions
from assets.partitions import videos_partitions
from assets.resources import StorageResource
from assets.thumbnails import thumbnails
from assets.versions import target
from reelhouse import keys
from reelhouse.media.hls import SEGMENT_S
from reelhouse.published import read_tree

# Partitioned asset checks are a Dagster "preview" feature; the warning says only that.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec",
                        category=dg.PreviewWarning)


def _result(problems: list[str], **metadata: object) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=not problems, metadata={
        "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:20]) or "none"),
        "problem_count": len(problems), **metadata})


@dg.asset_check(asset=hls_renditions, partitions_def=videos_partitions, blocking=True)
def hls_master_complete(context: dg.AssetCheckExecutionContext, storage: StorageResource,
                        database: DatabaseResource) -> dg.AssetCheckResult:
    """The master playlist exists and every playlist, init section and segment it leads to
    is in the bucket (in the version the run built or reused); blocking, so a broken ladder
    never goes live, reaches the catalog or makes a video `ready`."""
    s3 = storage.client()
    at = target(context, s3, database)
    tree = read_tree(s3, context.partition_key, at.version)
    return _result(tree.problems, version=at.version, playlists=len(tree.durations),
                   segments=tree.segments)


@dg.asset_check(asset=hls_renditions, partitions_def=videos_partitions)
def hls_durations_match(context: dg.AssetCheckExecutionContext, storage: StorageResource,
                        database: DatabaseResource) -> dg.AssetCheckResult:
    """Every rendition lasts as long as the source, within one segment."""
    s3 = storage.client()
    probe = read_facts(s3, context.partition_key, "probe") or {}
    source_s = ((probe.get("probe") or {}).get("duration_s")) or 0.0
    tree = read_tree(s3, context.partition_key, target(context, s3, database).version)
    problems = list(tree.problems)
    problems += [f"{uri}: lasts {d:.2f}s, the source {source_s:.2f}s"
                 for uri, d in tree.durations.items() if abs(d - source_s) > SEGMENT_S]
    return _result(problems, source_s=float(source_s),
                   durations=dg.MetadataValue.json(tree.durations))


@dg.asset_check(asset=thumbnails, partitions_def=videos_partitions)
def poster_present(context: dg.AssetCheckExecutionContext, storage: StorageResource,
                   database: DatabaseResource) -> dg.AssetCheckResult:
    """The poster is a non-empty JPEG and the storyboard's WebVTT exists."""
    s3, video_id = storage.client(), context.partition_key
    version = target(context, s3, database).version
    problems = []
    head = s3.head(keys.poster_key(video_id, version))
    if head is None or not head.get("ContentLength"):
        problems.append("poster.jpg is missing or empty")
    elif head.get("ContentType") != "image/jpeg":
        problems.append(f"poster.jpg is served as {head.get('ContentType')}")
    if not s3.exists(keys.storyboard_vtt_key(video_id, version)):
        problems.append("storyboard.vtt is missing")
    return _result(problems)
