"""Dagster wiring for Reelhouse: resources, partitions, sensors, jobs, schedules, checks."""

from reelhouse.extras import require_extra

require_extra("pipeline", "the Dagster pipelines")
