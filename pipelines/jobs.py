"""Jobs: process a completed upload, reprocess chosen videos, compact the catalog, sweep
storage."""


import dagster as dg

from assets.compaction import compacted_catalog
from assets.sweeping import storage_sweep
from reelhouse.runs import JOB

# Every per-video asset and, with them, their checks.
VIDEO_ASSETS = dg.AssetSelection.groups("media", "catalog") - dg.AssetSelection.assets(
    compacted_catalog)

process_video_job = dg.define_asset_job(
    JOB, selection=VIDEO_ASSETS,
    description="One completed upload, end to end; started by the API on completion, "
                "else by uploads_sensor.")

reprocess_job = dg.define_asset_job(
    "reprocess_job", selection=VIDEO_ASSETS,
    description="Reprocess the videos you choose (pick partitions, or launch a backfill). "
                "Products whose source and ladder version match are reused; set "
                "hls_renditions' `force` to transcode anyway.")

catalog_compaction_job = dg.define_asset_job(
    "catalog_compaction_job", selection=[compacted_catalog],
    description="Compact the Delta catalog: optimize (small files folded into few) and "
                "vacuum (files no version needs removed); safe beside catalog writes.")


@dg.job(description="Abort abandoned uploads and remove raw/ and media/ objects of no video "
                    "(reelhouse.sweeper; also `reelhouse sweep`).")
def storage_sweep_job() -> None:
    storage_sweep()
