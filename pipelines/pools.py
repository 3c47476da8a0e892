"""Pool limits a dagster.yaml cannot hold: it has one default limit for every pool.

The instance config (reelhouse.dagster_instance, deploy/dagster.yaml) sets that default to 1,
which is what the `catalog` pool needs; the transcode pool is widened here, from settings,
each time the daemon starts.
"""

from __future__ import annotations

import dagster as dg

from assets.common import TRANSCODE_POOL
from reelhouse.config import Settings


def pool_limits(settings: Settings) -> dict[str, int]:
    """The pools whose limit differs from the instance default, and their limits."""
    return {TRANSCODE_POOL: settings.transcode_concurrency}


def size_pools(instance: dg.DagsterInstance, settings: Settings) -> dict[str, int]:
    """Store `pool_limits(settings)` in the instance (kept until changed, as the UI's are)."""
    limits = pool_limits(settings)
    for pool, limit in limits.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)
    return limits
