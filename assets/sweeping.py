"""`storage_sweep`: the sweeper's run (reelhouse.sweeper), with what it removed as metadata."""

import dagster as dg

from assets.database import DatabaseResource
from assets.resources import StorageResource
from reelhouse.sweeper import sweep


@dg.op(description="Remove replaced media versions past their grace, finish interrupted "
                   "deletes, abort abandoned uploads, remove objects of no video.")
def storage_sweep(context: dg.OpExecutionContext, storage: StorageResource,
                  database: DatabaseResource) -> None:
    """One sweep of the bucket against the API database; logs and records what went."""
    report = sweep(database.database(), storage.client())
    context.log.info(report.summary())
    context.add_output_metadata({
        "removed": dg.MetadataValue.int(report.removed),
        "retired_versions": dg.MetadataValue.json(report.retired_versions[:200]),
        "finished_deletes": dg.MetadataValue.json(report.finished_deletes[:200]),
        "aborted_uploads": dg.MetadataValue.json(report.aborted_uploads),
        "orphan_multipart": dg.MetadataValue.json(report.orphan_multipart),
        "raw_objects": dg.MetadataValue.json(report.raw_objects[:200]),
        "media_prefixes": dg.MetadataValue.json(report.media_prefixes[:200]),
        "media_objects": dg.MetadataValue.int(report.media_objects),
    })
