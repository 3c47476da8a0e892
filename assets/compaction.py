"""`compacted_catalog`: each catalog Delta table optimized (small files folded into few) and
vacuumed (files no version needs any more removed).

Both are commits like any other: a write or delete landing meanwhile conflicts with at most
the optimize, which then reruns on the newer version, so nothing written is lost and nothing
deleted comes back. It still runs in the `catalog` pool so a night's compaction does not
compete with catalog writes for the same files.
"""

import dagster as dg

from assets.catalog import catalog_renditions, catalog_thumbnails, catalog_videos
from assets.common import CATALOG_POOL
from assets.resources import StorageResource

COMPACTION_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("table"), dg.TableColumn("rows", "int"),
    dg.TableColumn("version", "int", "the table version after compaction"),
    dg.TableColumn("added", "int", "files optimize wrote"),
    dg.TableColumn("removed", "int", "files optimize folded into them"),
    dg.TableColumn("vacuumed", "int", "files no version needs, deleted")])


@dg.asset(deps=[catalog_renditions, catalog_thumbnails, catalog_videos], group_name="catalog",
          kinds={"delta", "s3"}, pool=CATALOG_POOL)
def compacted_catalog(context: dg.AssetExecutionContext,
                      storage: StorageResource) -> dg.MaterializeResult:
    """Every catalog table optimized and vacuumed: few files per table, no stale ones."""
    from reelhouse.catalog import TABLES, compact  # deltalake + pyarrow: only this step

    s3 = storage.client()
    results = [compact(s3, table) for table in TABLES]
    for r in results:
        context.log.info(f"{r.table}: {r.removed} files -> {r.added} (version {r.version}, "
                         f"{r.rows} rows; {r.vacuumed} files vacuumed)")
    return dg.MaterializeResult(metadata={
        "tables": dg.MetadataValue.table([dg.TableRecord({
            "table": r.table, "rows": r.rows, "version": r.version, "added": r.added,
            "removed": r.removed, "vacuumed": r.vacuumed}) for r in results],
            COMPACTION_SCHEMA),
        "files_folded": dg.MetadataValue.int(sum(r.removed for r in results))})
