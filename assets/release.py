"""`published_media`: the flip that points players at a version once all of it is in place."""


import dagster as dg

from assets.common import MEDIA_CODE_VERSION, STORAGE_RETRY, guard
from assets.database import DatabaseResource
from assets.hls import hls_renditions
from assets.partitions import videos_partitions
from assets.progressive import progressive_mp4
from assets.resources import StorageResource
from assets.thumbnails import thumbnails
from assets.versions import target
from reelhouse import keys
from reelhouse.published import playable_problems, stored_media


@dg.asset(partitions_def=videos_partitions, group_name="media", kinds={"s3"},
          deps=[hls_renditions, thumbnails, progressive_mp4], retry_policy=STORAGE_RETRY,
          code_version=MEDIA_CODE_VERSION)
def published_media(context: dg.AssetExecutionContext, storage: StorageResource,
                    database: DatabaseResource) -> dg.MaterializeResult:
    """The media version players are served: this run's, once its master, every rung
    playlist and segment, the MP4 and the poster are in storage; until then the previous
    version plays on untouched (a crash anywhere before leaves it live).

    The version it replaces stays for the grace period (players mid-stream hold URLs into
    it) and the sweeper removes it then; older leftovers (crashed runs) go now.
    """
    video_id = context.partition_key
    removed: list[str] = []
    with guard(context, database, storage, "publishing the new version"):
        s3 = storage.client()
        at = target(context, s3, database)
        status, previous = "cached", None
        if at.building:
            problems = playable_problems(s3, video_id, at.version)
            if problems:
                raise dg.Failure(f"version {at.version} is not playable: {problems[:5]}",
                                 allow_retries=False,
                                 metadata={"problems": dg.MetadataValue.json(problems)})
            previous = database.flip(video_id, at.version)
            status = "flipped"
            live, retired = database.versions(video_id)
            stored = stored_media(s3, video_id)
            if previous is None:  # its first version: media from before versions goes now
                s3.delete_keys(stored.get(None, []), keys.media_prefix(video_id))
                removed += stored.get(None, [])
            # Only versions older than this run's: a run started later may still be writing.
            old = sorted(v for v in stored if v is not None and v < at.version
                         and v not in (live, retired))
            for version in old:
                s3.delete_keys(stored[version], keys.version_prefix(video_id, version))
            database.forget_builds(video_id, old)
            removed += old
    return dg.MaterializeResult(metadata={
        "status": status, "version": at.version, "replaced": previous or "",
        "removed": dg.MetadataValue.json(removed)})
