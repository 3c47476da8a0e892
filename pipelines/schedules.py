"""Schedules: nightly catalog compaction."""

import dagster as dg

from pipelines.jobs import catalog_compaction_job

catalog_compaction_schedule = dg.ScheduleDefinition(
    name="catalog_compaction_schedule", job=catalog_compaction_job, cron_schedule="17 3 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly: optimize and vacuum the catalog tables so readers open few files.")
