"""`rendition_quality`: each rung scored against its source (VMAF, else SSIM/PSNR)."""


import time

import dagster as dg

from assets.common import MEDIA_CODE_VERSION, STORAGE_RETRY, guard
from assets.database import DatabaseResource
from assets.facts import accepted_probe, need_facts, read_facts, renditions, write_facts
from assets.hls import hls_renditions
from assets.metadata import score_table
from assets.partitions import videos_partitions
from assets.resources import MediaResource, StorageResource
from assets.versions import target
from assets.workspace import Workspace
from reelhouse import keys
from reelhouse.media.quality import RungRef, measure_ladder

# At most 40 frames per rung, spread over the video: a quality signal, not a certification.
# Every rung is compared in one pass that decodes the source once, and a long video only on
# a few segments (reelhouse.media.quality.MAX_WINDOWS), so this stays well under the transcode.
SAMPLE_EVERY_N, MAX_FRAMES = 25, 40


@dg.asset(partitions_def=videos_partitions, group_name="media", kinds={"ffmpeg"},
          deps=[hls_renditions], retry_policy=STORAGE_RETRY, code_version=MEDIA_CODE_VERSION)
def rendition_quality(context: dg.AssetExecutionContext, storage: StorageResource,
                      database: DatabaseResource, media: MediaResource) -> dg.MaterializeResult:
    """Per-rung VMAF (or SSIM/PSNR) against the source on subsampled frames, once playable."""
    video_id = context.partition_key
    with guard(context, database, storage, "measuring quality"):
        s3 = storage.client()
        probe, probed = accepted_probe(s3, video_id)
        at = target(context, s3, database)
        hls = need_facts(s3, video_id, "hls", "hls_renditions", at.version)
        facts = read_facts(s3, video_id, "quality", at.version)
        status = "cached"
        if facts is None or facts.get("stamp") != hls["stamp"]:
            work = Workspace(s3, media.workdir, video_id)
            src = work.source(probed["source_etag"])
            started = time.monotonic()
            rungs = renditions(hls)
            measured = measure_ladder(
                src, [RungRef(work.rendition_dir(r.name, at.version) / keys.RUNG_PLAYLIST,
                              r.width or 0, r.height or 0) for r in rungs],
                sample_every_n=SAMPLE_EVERY_N, max_frames=MAX_FRAMES, ffmpeg=media.ffmpeg,
                video=probe.video, demuxer=probe.demuxer)
            metric = measured[0].metric if measured else ""
            scores = {r.name: {"vmaf": q.vmaf_mean, "vmaf_min": q.vmaf_min, "ssim": q.ssim,
                               "psnr": q.psnr, "frames": q.frames_compared}
                      for r, q in zip(rungs, measured, strict=True)}
            elapsed = round(time.monotonic() - started, 3)
            facts = {"stamp": hls["stamp"], "metric": metric, "rungs": scores,
                     "elapsed_s": elapsed, "transcode_s": hls["elapsed_s"]}
            # Facts, not media: a scoring missing from a reused live version may be added.
            write_facts(s3, video_id, "quality", facts, at.version)
            status = "measured"
            context.log.info(f"quality took {elapsed:.1f}s for a {hls['elapsed_s']:.1f}s "
                             f"transcode of {probe.duration_s:.1f}s of video")
    return dg.MaterializeResult(metadata={
        "status": status, "metric": facts["metric"],
        "scores": score_table(facts["rungs"]),
        "elapsed_s": dg.MetadataValue.float(facts["elapsed_s"]),
        "transcode_s": dg.MetadataValue.float(facts["transcode_s"])})
