"""Dagster wiring for Reelhouse: Definitions, sensors, jobs, schedules, checks, the daemon."""
