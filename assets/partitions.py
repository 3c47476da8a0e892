"""The partitions every per-video asset shares: one dynamic partition per video id (a ULID)."""

import dagster as dg

videos_partitions = dg.DynamicPartitionsDefinition(name="videos")
