"""Catalog assets: each video's rows of the Delta tables, rebuilt from storage and the API DB.

Materializing them again (no transcode) replaces a video's rows from the facts in the bucket,
in one commit per table. Commits are safe beside each other and beside compaction.
"""


import dagster as dg

from assets.catalog_rows import rendition_rows, thumbnail_rows, video_row
from assets.common import CATALOG_POOL, MEDIA_CODE_VERSION, STORAGE_RETRY, guard, upload_version
from assets.database import DatabaseResource
from assets.facts import audio, need_facts, read_facts, renditions
from assets.hls import hls_renditions
from assets.metadata import catalog_metadata, poster_url, video_summary
from assets.partitions import videos_partitions
from assets.progressive import progressive_mp4
from assets.quality import rendition_quality
from assets.release import published_media
from assets.resources import StorageResource
from assets.source import source_probe
from assets.thumbnails import thumbnails
from reelhouse import keys
from reelhouse.faults import crash_point
from reelhouse.storage import Storage


def write_rows(*args: object) -> str:
    # Imported on use: pyarrow, deltalake and DuckDB add seconds to every run's start-up,
    # which would come before the video is playable.
    from reelhouse.catalog import write_rows as write

    return write(*args)  # type: ignore[arg-type]


def settle_videos_row(s3: Storage, database: DatabaseResource, video_id: str) -> bool:
    """After the row is written, match it to the database once more: an edit made while we
    built the row is applied over it, a video deleted meanwhile loses its rows again.
    False when the video is gone."""
    from reelhouse.catalog import delete_video, update_video

    video = database.video(video_id)
    if video is None:
        delete_video(s3, video_id)
        return False
    if video.updated_at is not None:
        update_video(s3, video_id, {"title": video.title, "description": video.description,
                                    "visibility": video.visibility}, video.updated_at)
    return True


_ASSET = {"partitions_def": videos_partitions, "group_name": "catalog",
          "kinds": {"delta", "s3"}, "retry_policy": STORAGE_RETRY, "pool": CATALOG_POOL,
          "code_version": MEDIA_CODE_VERSION}


def _live(database: DatabaseResource, video_id: str) -> str:
    """The live version, whose facts the catalog describes."""
    live = database.live_version(video_id)
    if live is None:
        raise dg.Failure(f"{video_id} has no live version: materialize published_media",
                         allow_retries=False)
    return live


@dg.asset(deps=[hls_renditions, rendition_quality, published_media], **_ASSET)
def catalog_renditions(context: dg.AssetExecutionContext, storage: StorageResource,
                       database: DatabaseResource) -> dg.MaterializeResult:
    """Rows of catalog/renditions: each rung's size, bitrates, codecs and quality scores."""
    video_id = context.partition_key
    with guard(context, database, storage, "writing the catalog"):
        s3 = storage.client()
        live = _live(database, video_id)
        hls = need_facts(s3, video_id, "hls", "hls_renditions", live)
        rows = rendition_rows(hls, read_facts(s3, video_id, "quality", live))
        key = write_rows(s3, "renditions", video_id, rows)
    return dg.MaterializeResult(metadata=catalog_metadata("renditions", len(rows), key))


@dg.asset(deps=[thumbnails, published_media], **_ASSET)
def catalog_thumbnails(context: dg.AssetExecutionContext, storage: StorageResource,
                       database: DatabaseResource) -> dg.MaterializeResult:
    """Rows of catalog/thumbnails: the poster and each storyboard sprite sheet."""
    video_id = context.partition_key
    with guard(context, database, storage, "writing the catalog"):
        s3 = storage.client()
        rows = thumbnail_rows(need_facts(s3, video_id, "thumbnails", "thumbnails",
                                         _live(database, video_id)))
        key = write_rows(s3, "thumbnails", video_id, rows)
    return dg.MaterializeResult(metadata=catalog_metadata("thumbnails", len(rows), key))


@dg.asset(deps=[source_probe, hls_renditions, thumbnails, progressive_mp4, published_media,
                catalog_renditions, catalog_thumbnails], **_ASSET)
def catalog_videos(context: dg.AssetExecutionContext, storage: StorageResource,
                   database: DatabaseResource) -> dg.MaterializeResult:
    """The row of catalog/videos; once it is written the video is `ready`, which takes a
    live version with its master and its MP4 in storage."""
    video_id = context.partition_key
    with guard(context, database, storage, "writing the catalog"):
        s3 = storage.client()
        video = database.require_video(video_id)
        live = _live(database, video_id)
        hls = need_facts(s3, video_id, "hls", "hls_renditions", live)
        thumbs = read_facts(s3, video_id, "thumbnails", live)
        row = video_row(video, need_facts(s3, video_id, "probe", "source_probe"), hls, thumbs)
        key = write_rows(s3, "videos", video_id, [row])
        if not settle_videos_row(s3, database, video_id):
            raise dg.Failure(f"{video_id} was deleted while its catalog row was written",
                             allow_retries=False)
        for needed in (keys.master_key(video_id, live), keys.progressive_key(video_id, live)):
            if not s3.exists(needed):
                raise dg.Failure(f"{needed} is missing: reprocess the video",
                                 allow_retries=False)
        crash_point("catalog.before_ready")
        if not database.mark_ready(video_id, upload_version(context)):
            context.log.warning("video not marked ready: a newer upload replaced this one")
    poster = {"poster": dg.MetadataValue.url(poster_url(storage.settings, video_id))}
    return dg.MaterializeResult(metadata={
        **video_summary(storage.settings, video_id, hls["duration_s"], renditions(hls),
                        audio(hls)),
        **(poster if thumbs else {}), "title": video.title, "owner": video.owner,
        **catalog_metadata("videos", 1, key)})
