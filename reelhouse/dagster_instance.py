"""The Dagster instance Reelhouse runs: its dagster.yaml, written under the state dir."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from reelhouse.config import Settings
from reelhouse.errors import ConfigError
from reelhouse.private import private_dir

# How often the daemon checks that every started run's process is alive, and how many times a
# run whose process died is started again.
MONITOR_INTERVAL_S = 5
RUN_RETRIES = 2


def dagster_postgres_url(url: str) -> str:
    """`url` with the psycopg2 driver named: dagster-postgres sends `NOTIFY channel, :id`,
    which only psycopg2's client-side binding accepts, and SQLAlchemy 2.1 picks psycopg 3
    for a bare postgresql:// URL."""
    return re.sub(r"^postgres(?:ql)?(?:\+[a-z0-9]+)?://", "postgresql+psycopg2://", url)


def storage_config(settings: Settings) -> dict[str, Any]:
    """Where Dagster keeps runs, events and schedules: SQLite files under DAGSTER_HOME
    (embedded, Dagster's default), or PostgreSQL on the cluster profile."""
    if settings.profile != "cluster":
        return {}
    if not settings.dagster_database_url:
        raise ConfigError("REELHOUSE_DAGSTER_DATABASE_URL: the cluster profile keeps "
                                  "Dagster's state in PostgreSQL; name the database")
    url = dagster_postgres_url(settings.dagster_database_url)
    return {"storage": {"postgres": {"postgres_url": url}}}


def instance_config(settings: Settings, max_concurrent_runs: int = 2,
                    dequeue_interval_s: int = 1) -> dict[str, Any]:
    """dagster.yaml as a dict: telemetry off, queued runs, every pool serialised by default.

    Pools are named by the assets and the transcode pool widened by the daemon
    (`pipelines.pools`): dagster.yaml holds one default limit for every pool, no limit per
    pool. Pool slots live in the instance's storage, so on the cluster profile (PostgreSQL)
    one limit holds across every worker on every host.
    """
    return {
        **storage_config(settings),
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
        # Runs are processes of the code server (Dagster's default launcher) that can also
        # say when one is gone: a run killed mid-step is marked failed within the poll
        # interval instead of staying STARTED, and retried from the failed step. Runs that
        # failed on their own (a corrupt video fails its step) are not retried.
        "run_launcher": {"module": "pipelines.launcher", "class": "LocalRunLauncher"},
        # free_slots_after_run_end_seconds: the pool slot a dead run's step held is given back
        # (Dagster's default is never: one killed transcode would block the pool for good).
        "run_monitoring": {"enabled": True, "poll_interval_seconds": MONITOR_INTERVAL_S,
                           "start_timeout_seconds": 300, "max_resume_run_attempts": 0,
                           "free_slots_after_run_end_seconds": MONITOR_INTERVAL_S},
        "run_retries": {"enabled": True, "max_retries": RUN_RETRIES,
                        "retry_on_asset_or_op_failure": False},
        # The uploads sensor ticks every second; keep a day of its skipped ticks, not a week.
        "retention": {"sensor": {"purge_after_days": {"skipped": 1, "failure": 7,
                                                      "success": -1}}},
    }


def write_instance(settings: Settings, home: Path, **options: int) -> Path:
    """Create DAGSTER_HOME at `home` with our dagster.yaml (rewritten each start)."""
    private_dir(home)
    path = home / "dagster.yaml"
    # It may hold the PostgreSQL password: readable by its owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(yaml.safe_dump(instance_config(settings, **options), sort_keys=False))
    path.chmod(0o600)
    return home
