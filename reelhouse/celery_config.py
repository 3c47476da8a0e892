"""The Celery settings of the cluster profile, shared by Dagster's executor and `reelhouse worker`.

Both ends must agree (the executor submits, workers consume), so both take `celery_config`.
Plain data: nothing here imports Celery or Dagster.
"""

from __future__ import annotations

from typing import Any

from reelhouse.config import ProfileSettings
from reelhouse.errors import ConfigError

# dagster-celery's own queue (its app routes every step task there).
QUEUE = "dagster"
# The module dagster-celery's app (`dagster_celery.app`) reads extra settings from.
CONFIG_MODULE = "dagster_celery_config"


def broker_url(settings: ProfileSettings) -> str:
    """The broker steps are queued on; ConfigError when the cluster profile names none."""
    if not settings.celery_broker_url:
        raise ConfigError("REELHOUSE_CELERY_BROKER_URL: the cluster profile queues steps on a "
                          "broker (redis://host:6379/0); name it")
    return settings.celery_broker_url


def app_settings(settings: ProfileSettings) -> dict[str, Any]:
    """Celery's lower-case settings (`config_source`) for step tasks that are never lost."""
    return {
        # A step is acknowledged when it ends, not when a worker takes it: a worker that dies
        # mid-step (kill -9, a lost host) leaves it on the queue for another worker.
        "task_acks_late": True,
        # A worker's pool process killed mid-step (OOM, SIGKILL): requeue rather than fail.
        "task_reject_on_worker_lost": True,
        # Take one step at a time: a prefetched step would wait behind a long transcode.
        "worker_prefetch_multiplier": 1,
        "task_default_queue": QUEUE,
        # dagster-celery's defaults, plus how long Redis waits before re-queueing a step
        # whose worker vanished without a word.
        "broker_transport_options": {
            "max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
            "visibility_timeout": settings.celery_visibility_timeout_s,
        },
        "result_backend_transport_options": {
            "visibility_timeout": settings.celery_visibility_timeout_s,
        },
        # Results are read once by the run that submitted the step; keep them a day.
        "result_expires": 24 * 3600,
    }


def celery_config(settings: ProfileSettings) -> dict[str, Any]:
    """`dagster_celery.celery_executor`'s config: broker, backend and `config_source`."""
    broker = broker_url(settings)
    return {"broker": broker, "backend": settings.celery_backend or broker,
            "config_source": app_settings(settings)}


def config_module(settings: ProfileSettings) -> str:
    """Python source of `dagster_celery_config`: the same settings for a worker's app."""
    config = celery_config(settings)
    lines = [f"broker_url = {config['broker']!r}", f"result_backend = {config['backend']!r}"]
    lines += [f"{name} = {value!r}" for name, value in config["config_source"].items()]
    return "\n".join(lines) + "\n"
