"""The Dagster instance Reelhouse runs: its dagster.yaml, written under the state dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from reelhouse.config import Settings


def instance_config(settings: Settings, max_concurrent_runs: int = 2,
                    dequeue_interval_s: int = 1) -> dict[str, Any]:
    """dagster.yaml as a dict: telemetry off, queued runs, every pool serialised by default.

    Pools are named by the assets and the transcode pool widened by the daemon
    (`pipelines.pools`): dagster.yaml holds one default limit for every pool, no limit per
    pool. No value here comes from `settings` any more; the stack still passes them.
    """
    return {
        "telemetry": {"enabled": False},
        # No "join the community" pop-up over the UI on a user's first visit.
        "nux": {"enabled": False},
        # Dequeue every second instead of five: it is part of the time to playable.
        "run_queue": {"dequeue_interval_seconds": dequeue_interval_s},
        "concurrency": {
            "runs": {"max_concurrent_runs": max_concurrent_runs},
            # 1: the catalog pool (its writers and compaction) must never run two at once,
            # and a pool no one sized is safest serialised. Steps wait for a slot (op
            # granularity) while the rest of their run proceeds.
            "pools": {"default_limit": 1, "granularity": "op"},
        },
        # The uploads sensor ticks every second; keep a day of its skipped ticks, not a week.
        "retention": {"sensor": {"purge_after_days": {"skipped": 1, "failure": 7,
                                                      "success": -1}}},
    }


def write_instance(settings: Settings, home: Path, **options: int) -> Path:
    """Create DAGSTER_HOME at `home` with our dagster.yaml (rewritten each start)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        yaml.safe_dump(instance_config(settings, **options), sort_keys=False))
    return home
