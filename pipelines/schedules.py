"""Schedules: nightly catalog compaction, hourly storage sweep."""

import dagster as dg

from pipelines.jobs import catalog_compaction_job, storage_sweep_job

catalog_compaction_schedule = dg.ScheduleDefinition(
    name="catalog_compaction_schedule", job=catalog_compaction_job, cron_schedule="17 3 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly: optimize and vacuum the catalog tables so readers open few files.")

# Hourly: the period is part of the bound README states for a PUT after abort or delete.
storage_sweep_schedule = dg.ScheduleDefinition(
    name="storage_sweep_schedule", job=storage_sweep_job, cron_schedule="41 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly: abort abandoned uploads, remove objects that belong to no video.")
