"""The partitions every per-video asset shares: one dynamic partition per video id (a ULID)."""

import dagster as dg

from reelhouse.runs import PARTITIONS

videos_partitions = dg.DynamicPartitionsDefinition(name=PARTITIONS)
