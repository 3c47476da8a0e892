"""Dagster wiring for Reelhouse: resources, partitions, sensors, jobs, schedules, checks."""
