"""The one place that assembles Reelhouse's Dagster definitions."""

import dagster as dg

videos_partitions = dg.DynamicPartitionsDefinition(name="videos")

defs = dg.Definitions(assets=[])
