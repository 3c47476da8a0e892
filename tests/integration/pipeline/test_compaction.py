"""The compaction asset optimizes and vacuums the Delta tables, and readers see the same rows
after."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.definitions import build_defs, resources_for
from reelhouse import catalog
from reelhouse.config import Settings
from reelhouse.db import new_id
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration


def test_compaction_job_folds_parts_without_losing_rows(pipeline_settings: Settings) -> None:
    """Three videos' files become one per table (the folded ones vacuumed), same videos."""
    # A bucket of its own: compaction folds everything under catalog/, other tests' rows too.
    settings = pipeline_settings.model_copy(update={"s3_bucket": "reelhouse-compaction"})
    storage = Storage(settings)
    storage.ensure_bucket()
    storage.delete_prefix("catalog/")
    ids = [new_id() for _ in range(3)]
    for video_id in ids:
        catalog.write_rows(storage, "videos", video_id, [{"title": f"clip {video_id[-4:]}",
                                                          "status": "ready"}])
    with dg.DagsterInstance.ephemeral() as instance:
        job = build_defs(resources_for(settings)).resolve_job_def("catalog_compaction_job")
        result = job.execute_in_process(instance=instance)
        assert result.success
    [event] = result.asset_materializations_for_node("compacted_catalog")
    folded = {r.data["table"]: r.data for r in event.metadata["tables"].records}
    assert (folded["videos"]["rows"], folded["videos"]["removed"]) == (3, 3)
    assert (folded["videos"]["added"], folded["videos"]["vacuumed"]) == (1, 3)
    files = [o["Key"] for o in storage.list_keys("catalog/videos/")
             if "/_delta_log/" not in o["Key"]]
    assert len(files) == 1 and files[0].endswith(".parquet")
    con = catalog.connect(storage)
    assert sorted(r["video_id"] for r in catalog.search(con, limit=10)) == sorted(ids)
