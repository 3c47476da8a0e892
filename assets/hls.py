"""`hls_renditions`: the bitrate ladder in one ffmpeg process, published into a new version."""


import dagster as dg

from assets.common import MEDIA_CODE_VERSION, STORAGE_RETRY, TRANSCODE_POOL, guard
from assets.database import DatabaseResource
from assets.facts import accepted_probe, audio, hls_to_dict, read_facts, renditions, write_facts
from assets.metadata import video_summary
from assets.partitions import videos_partitions
from assets.progress import ProgressReporter
from assets.publish import publish_hls
from assets.resources import MediaResource, StorageResource
from assets.source import source_probe
from assets.versions import run_version
from assets.workspace import Workspace
from reelhouse import keys
from reelhouse.media.hls import transcode_hls
from reelhouse.media.ladder import plan_ladder
from reelhouse.storage import Storage


class HlsConfig(dg.Config):
    force: bool = False
    """Transcode even when the live version was made from this source under this ladder."""


def _published_stamp(s3: Storage, video_id: str, version: str) -> dict[str, str]:
    """The stamp a version's master carries (S3 lower-cases user metadata names)."""
    head = s3.head(keys.master_key(video_id, version))
    return {k.lower(): v for k, v in (head or {}).get("Metadata", {}).items()}


@dg.asset(partitions_def=videos_partitions, group_name="media", kinds={"ffmpeg", "s3"},
          deps=[source_probe], pool=TRANSCODE_POOL, retry_policy=STORAGE_RETRY,
          code_version=MEDIA_CODE_VERSION)
def hls_renditions(context: dg.AssetExecutionContext, config: HlsConfig,
                   storage: StorageResource, database: DatabaseResource,
                   media: MediaResource) -> dg.MaterializeResult:
    """The HLS ladder (fMP4 rungs plus one audio group) under media/{id}/{version}/hls/.

    Each run writes a version of its own, so what viewers play (the live version) is never
    touched; a live version made from this source under this ladder (and storyboard
    interval) is reused instead (`status: cached`), and so are its other products.
    """
    video_id = context.partition_key
    with guard(context, database, storage, "making the HLS renditions"):
        s3 = storage.client()
        probe, probed = accepted_probe(s3, video_id)
        plan = plan_ladder(probe)
        stamp = {"ladder-version": plan.version, "source-etag": probed["source_etag"],
                 "storyboard-interval-s": str(media.storyboard_interval_s)}
        live = database.live_version(video_id)
        facts = read_facts(s3, video_id, "hls", live) if live else None
        if (not config.force and live is not None and facts is not None
                and facts.get("stamp") == stamp and _published_stamp(s3, video_id, live) == stamp):
            context.log.info(f"live version {live} already has ladder {plan.version} of "
                             "this source")
            status, version = "cached", live
        else:
            version = run_version(context)
            work = Workspace(s3, media.workdir, video_id)
            src = work.source(probed["source_etag"])
            progress = ProgressReporter(
                context, step=5, also=lambda percent: database.set_progress(video_id, percent))
            result = transcode_hls(src, probe, plan, work.fresh_hls_dir(), ffmpeg=media.ffmpeg,
                                   on_progress=progress, max_duration_s=media.caps.max_duration_s)
            facts = hls_to_dict(result, stamp)
            facts["speed"] = progress.speed
            # The facts last: their presence tells later steps this run built `version`.
            published = publish_hls(s3, video_id, version, result.out_dir, stamp)
            write_facts(s3, video_id, "hls", facts, version)
            context.log.info(f"published version {version}: {len(published.keys)} objects "
                             f"({published.bytes:,} bytes)")
            status = "transcoded"
    rungs, sound = renditions(facts), audio(facts)
    total = sum(r.total_bytes for r in [*rungs, *([sound] if sound else [])])
    return dg.MaterializeResult(metadata={
        "status": status, "ladder_version": facts["ladder_version"], "version": version,
        **video_summary(media.settings, video_id, facts["duration_s"], rungs, sound),
        "transcode_s": dg.MetadataValue.float(facts["elapsed_s"]),
        "realtime_x": dg.MetadataValue.float(facts["realtime_x"]),
        "hls_bytes": dg.MetadataValue.int(total),
        "master": dg.MetadataValue.path(keys.master_key(video_id, version)),
    })
