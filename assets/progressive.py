"""`progressive_mp4`: a faststart MP4 of a middle rung, remuxed from its segments."""


import dagster as dg

from assets.common import MEDIA_CODE_VERSION, STORAGE_RETRY, guard
from assets.database import DatabaseResource
from assets.facts import audio, need_facts, read_facts, renditions, write_facts
from assets.hls import hls_renditions
from assets.partitions import videos_partitions
from assets.publish import IMAGES
from assets.resources import MediaResource, StorageResource
from assets.versions import target
from assets.workspace import Workspace
from reelhouse import keys
from reelhouse.media.progressive import pick_download_rung, remux_progressive


@dg.asset(partitions_def=videos_partitions, group_name="media", kinds={"ffmpeg", "s3"},
          deps=[hls_renditions], retry_policy=STORAGE_RETRY, code_version=MEDIA_CODE_VERSION)
def progressive_mp4(context: dg.AssetExecutionContext, storage: StorageResource,
                    database: DatabaseResource, media: MediaResource) -> dg.MaterializeResult:
    """media/{id}/{version}/download.mp4: one rung plus the audio group, copied (no second
    encode); in a version this run builds, or found in the live one it reuses."""
    video_id = context.partition_key
    with guard(context, database, storage, "making the download MP4"):
        s3 = storage.client()
        at = target(context, s3, database)
        hls = need_facts(s3, video_id, "hls", "hls_renditions", at.version)
        rung = pick_download_rung([(r.name, r.height or 0) for r in renditions(hls)])
        key = keys.progressive_key(video_id, at.version)
        facts = read_facts(s3, video_id, "progressive", at.version)
        status = "cached"
        if at.building and (facts is None or not s3.exists(key)):
            stamp = {**hls["stamp"], "rung": rung}
            work = Workspace(s3, media.workdir, video_id)
            result = remux_progressive(work.rendition_dir(rung, at.version),
                                       work.audio_dir(audio(hls) is not None, at.version),
                                       work.dir / "download.mp4", ffmpeg=media.ffmpeg)
            s3.put_file(key, result.path, "video/mp4", IMAGES,
                        {k: str(v) for k, v in stamp.items()})
            facts = {"stamp": stamp, "key": key, "rung": rung,
                     "width": result.width, "height": result.height,
                     "duration_s": result.duration_s, "size_bytes": result.size_bytes,
                     "audio_codec": result.audio_codec}
            write_facts(s3, video_id, "progressive", facts, at.version)
            status = "remuxed"
        elif facts is None or not s3.exists(key):
            raise dg.Failure(f"the live version {at.version} has no download.mp4: reprocess "
                             "with hls_renditions' `force`", allow_retries=False)
    return dg.MaterializeResult(metadata={
        "status": status, "rung": rung, "version": at.version,
        "resolution": f"{facts['width']}x{facts['height']}",
        "duration_s": dg.MetadataValue.float(facts["duration_s"]),
        "size_bytes": dg.MetadataValue.int(facts["size_bytes"]),
        "key": dg.MetadataValue.path(facts["key"])})
