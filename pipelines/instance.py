"""The Dagster instance Reelhouse expects: its dagster.yaml and how its daemon is started.

`reelhouse.stack` cannot import this package (dependencies point one way), so the stack
writes the same YAML itself; tests and benchmarks use these helpers directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from reelhouse.config import Settings, settings_env
from reelhouse.stack import ROOT, Service

# The only pool: the transcode step of hls_renditions (see assets.hls.TRANSCODE_POOL).
POOL = "transcode"


def instance_config(settings: Settings, max_concurrent_runs: int = 2,
                    dequeue_interval_s: int = 1) -> dict:
    """dagster.yaml as a dict: queued runs, a transcode pool sized from settings."""
    return {
        "telemetry": {"enabled": False},
        # Dequeue every second instead of five: it is part of the time to playable.
        "run_queue": {"dequeue_interval_seconds": dequeue_interval_s},
        "concurrency": {
            "runs": {"max_concurrent_runs": max_concurrent_runs},
            # No other pool exists, so the default limit is the transcode limit; steps wait
            # for a slot (op granularity) while the rest of their run proceeds.
            "pools": {"default_limit": settings.transcode_concurrency, "granularity": "op"},
        },
        # The uploads sensor ticks every 5 s; keep a day of its skipped ticks, not a week.
        "retention": {"sensor": {"purge_after_days": {"skipped": 1, "failure": 7,
                                                      "success": -1}}},
    }


def write_instance(settings: Settings, home: Path, **options: int) -> Path:
    """Create DAGSTER_HOME at `home` with our dagster.yaml; returns the home."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        yaml.safe_dump(instance_config(settings, **options), sort_keys=False))
    return home


def daemon_service(settings: Settings, home: Path) -> Service:
    """`dagster-daemon run` over workspace.yaml, with settings passed in its environment."""
    env = settings_env(settings)
    env |= {"DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1"}
    daemon = Path(sys.executable).parent / "dagster-daemon"
    return Service("dagster-daemon", [str(daemon), "run", "-w", str(ROOT / "workspace.yaml")],
                   {}, lambda: True, env=env)
