"""`compacted_catalog`: each catalog table's per-video parts folded into one Parquet file.

It shares the `catalog` pool with the assets that write the parts (limit 1 in the instance
config), so a compaction never runs while a part is written: `compact` loses an overwrite
that lands between its ETag check and its delete.
"""

import dagster as dg

from assets.catalog import catalog_renditions, catalog_thumbnails, catalog_videos
from assets.common import CATALOG_POOL
from assets.resources import StorageResource

COMPACTION_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("table"), dg.TableColumn("rows", "int"),
    dg.TableColumn("folded", "int", "files read into the new one"),
    dg.TableColumn("kept", "int", "parts rewritten meanwhile, left for the next run"),
    dg.TableColumn("key", description="the compacted file (empty: nothing to fold)")])


@dg.asset(deps=[catalog_renditions, catalog_thumbnails, catalog_videos], group_name="catalog",
          kinds={"parquet", "s3"}, pool=CATALOG_POOL)
def compacted_catalog(context: dg.AssetExecutionContext,
                      storage: StorageResource) -> dg.MaterializeResult:
    """One compacted Parquet file per catalog table, in place of every video's part."""
    from reelhouse.catalog import TABLES, compact  # pyarrow + DuckDB: only this step needs them

    s3 = storage.client()
    results = [compact(s3, table) for table in TABLES]
    for r in results:
        context.log.info(f"{r.table}: {len(r.folded)} files -> {r.key} ({r.rows} rows; "
                         f"{len(r.kept)} parts changed meanwhile)")
    return dg.MaterializeResult(metadata={
        "tables": dg.MetadataValue.table([dg.TableRecord({
            "table": r.table, "rows": r.rows, "folded": len(r.folded), "kept": len(r.kept),
            "key": r.key or ""}) for r in results], COMPACTION_SCHEMA),
        "files_folded": dg.MetadataValue.int(sum(len(r.folded) for r in results))})
