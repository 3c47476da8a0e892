"""The Dagster instance Reelhouse runs: its dagster.yaml, written under the state dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from reelhouse.config import Settings

# The only pool: the transcode step of hls_renditions (assets.hls.TRANSCODE_POOL).
POOL = "transcode"


def instance_config(settings: Settings, max_concurrent_runs: int = 2,
                    dequeue_interval_s: int = 1) -> dict[str, Any]:
    """dagster.yaml as a dict: telemetry off, queued runs, a transcode pool from settings."""
    return {
        "telemetry": {"enabled": False},
        # No "join the community" pop-up over the UI on a user's first visit.
        "nux": {"enabled": False},
        # Dequeue every second instead of five: it is part of the time to playable.
        "run_queue": {"dequeue_interval_seconds": dequeue_interval_s},
        "concurrency": {
            "runs": {"max_concurrent_runs": max_concurrent_runs},
            # No other pool exists, so the default limit is the transcode limit; steps wait
            # for a slot (op granularity) while the rest of their run proceeds.
            "pools": {"default_limit": settings.transcode_concurrency, "granularity": "op"},
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
