"""Jobs: process a completed upload, reprocess chosen videos, compact the catalog."""


import dagster as dg

from pipelines.resources import StorageResource

# Every per-video asset and, with them, their checks.
VIDEO_ASSETS = dg.AssetSelection.groups("media", "catalog")

process_video_job = dg.define_asset_job(
    "process_video_job", selection=VIDEO_ASSETS,
    description="One completed upload, end to end; started by uploads_sensor.")

reprocess_job = dg.define_asset_job(
    "reprocess_job", selection=VIDEO_ASSETS,
    description="Reprocess the videos you choose (pick partitions, or launch a backfill). "
                "Products whose source and ladder version match are reused; set "
                "hls_renditions' `force` to transcode anyway.")


@dg.op(tags={"kind": "parquet"})
def compact_catalog(context: dg.OpExecutionContext, storage: StorageResource) -> None:
    """Fold each catalog table's per-video parts into one compacted Parquet file."""
    from reelhouse.catalog import TABLES, compact  # pyarrow + DuckDB: only this op needs them

    s3 = storage.client()
    for table in TABLES:
        result = compact(s3, table)
        context.log.info(f"{table}: {len(result.folded)} files -> {result.key} "
                         f"({result.rows} rows; {len(result.kept)} parts changed meanwhile)")


@dg.job(description="Compact the Parquet catalog (per-video parts into one file per table).")
def catalog_compaction_job() -> None:
    compact_catalog()
