"""The executor follows the profile, and the Celery executor and `reelhouse worker` share one
Celery configuration that never loses a step a dead worker held."""

from __future__ import annotations

import pytest

from pipelines.definitions import build_defs, executor_for
from reelhouse.celery_config import celery_config, config_module
from reelhouse.config import load_settings
from reelhouse.errors import ConfigError

BROKER = "redis://127.0.0.1:6390/0"


def test_embedded_profile_runs_steps_in_process() -> None:
    """Embedded: the in-process executor, as before."""
    assert executor_for(load_settings(profile="embedded")).name == "in_process"


def test_cluster_profile_runs_steps_on_celery_with_late_acks() -> None:
    """Cluster: the Celery executor over the broker setting, the backend defaulting to it,
    with late acks, requeue on a lost worker and one prefetched step."""
    settings = load_settings(profile="cluster", celery_broker_url=BROKER,
                             celery_visibility_timeout_s=30)
    executor = executor_for(settings)
    assert executor.name == "celery"
    config = celery_config(settings)
    assert (config["broker"], config["backend"]) == (BROKER, BROKER)
    source = config["config_source"]
    assert (source["task_acks_late"], source["task_reject_on_worker_lost"],
            source["worker_prefetch_multiplier"]) == (True, True, 1)
    assert source["broker_transport_options"]["visibility_timeout"] == 30
    defs = build_defs(settings=settings)
    job = defs.resolve_job_def("process_video_job")
    assert job.executor_def.name == "celery"


def test_cluster_profile_without_a_broker_names_the_setting() -> None:
    """No broker: a ConfigError naming REELHOUSE_CELERY_BROKER_URL, at load time."""
    with pytest.raises(ConfigError, match="REELHOUSE_CELERY_BROKER_URL"):
        executor_for(load_settings(profile="cluster"))


def test_worker_config_module_holds_what_the_executor_sends() -> None:
    """The worker's `dagster_celery_config` module evaluates to the executor's settings."""
    settings = load_settings(profile="cluster", celery_broker_url=BROKER,
                             celery_backend_url="redis://127.0.0.1:6390/1")
    namespace: dict[str, object] = {}
    exec(config_module(settings), namespace)  # noqa: S102 (our own generated module)
    config = celery_config(settings)
    assert namespace["broker_url"] == BROKER
    assert namespace["result_backend"] == "redis://127.0.0.1:6390/1"
    for name, value in config["config_source"].items():
        assert namespace[name] == value
