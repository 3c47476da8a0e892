"""Dagster wiring for Reelhouse: Definitions, sensors, jobs, schedules, checks, the daemon."""

from reelhouse.extras import require_extra

require_extra("pipeline", "the Dagster pipelines")
