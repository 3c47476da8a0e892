"""The dagster.yaml files (ours and deploy/) are ones Dagster accepts, every pool serialised
by default, and the daemon widens the transcode pool from settings."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from assets.common import CATALOG_POOL, TRANSCODE_POOL
from pipelines.pools import size_pools
from reelhouse.config import load_settings
from reelhouse.dagster_instance import write_instance
from reelhouse.stack import daemon_service
from tests.helpers import CHECKOUT


def _limits(instance: dg.DagsterInstance) -> tuple[int | None, str]:
    pools = instance.get_concurrency_config().pool_config
    return pools.default_pool_limit, pools.pool_granularity.value


def test_instance_config_loads_with_pools_serialised(tmp_path: Path) -> None:
    """Queued runs, a 1 s dequeue, and every pool (the catalog's too) at 1, at op level."""
    settings = load_settings(state_dir=tmp_path, transcode_concurrency=2)
    home = write_instance(settings, tmp_path / "dagster", max_concurrent_runs=3)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert _limits(instance) == (1, "op")
        assert instance.run_coordinator.dequeue_interval_seconds == 1  # type: ignore[attr-defined]
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 3
        assert not instance.nux_enabled  # no community pop-up over the UI
        assert type(instance.run_launcher).__name__ == "LocalRunLauncher"
        assert instance.run_launcher.supports_check_run_worker_health
        assert instance.run_monitoring_enabled and instance.run_retries_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        # A corrupt video fails its step: not retried.
        assert not instance.run_retries_retry_on_asset_or_op_failure


def test_deploy_config_serialises_pools_with_queued_runs(tmp_path: Path) -> None:
    """deploy/dagster.yaml (its Postgres storage swapped for a local one) queues runs and
    holds every pool, the catalog's included, to 1 at op level."""
    config = yaml.safe_load((CHECKOUT / "deploy" / "dagster.yaml").read_text())
    assert "postgres" in config.pop("storage")
    home = tmp_path / "deploy"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert _limits(instance) == (1, "op")
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 4
        assert type(instance.run_launcher).__name__ == "LocalRunLauncher"
        assert instance.run_monitoring_enabled and instance.run_retries_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert not instance.run_retries_retry_on_asset_or_op_failure


def test_the_daemon_sizes_the_transcode_pool_and_leaves_catalog_at_one(tmp_path: Path) -> None:
    """Sizing stores transcode_concurrency for the transcode pool; the catalog pool, first
    claimed later, takes the default of 1."""
    settings = load_settings(state_dir=tmp_path, transcode_concurrency=3)
    home = write_instance(settings, tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert size_pools(instance, settings) == {TRANSCODE_POOL: 3}
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(CATALOG_POOL)  # as a first claim does
        limits = {p.name: (p.limit, p.from_default) for p in storage.get_pool_limits()}
        # Not from the default: Dagster re-applies the default only to pools that took it.
        assert limits == {TRANSCODE_POOL: (3, False), CATALOG_POOL: (1, True)}


def test_daemon_gets_the_settings_and_home_in_its_environment(tmp_path: Path) -> None:
    """The daemon (and the code server and runs under it) rebuild the same settings."""
    settings = load_settings(state_dir=tmp_path, s3_port=23456)
    service = daemon_service(settings, tmp_path / "dagster")
    assert service.argv[1:6] == ["-m", "pipelines.daemon", "run",
                                 "-m", "pipelines.definitions"]
    assert service.env["DAGSTER_HOME"] == str(tmp_path / "dagster")
    assert service.env["REELHOUSE_S3_PORT"] == "23456"


def test_cluster_profile_keeps_dagster_state_in_postgres(tmp_path: Path) -> None:
    """On the cluster profile dagster.yaml names PostgreSQL (through psycopg2, the driver
    dagster-postgres' statements need), keeps the same pools and queue, and is readable by
    its owner only."""
    settings = load_settings(state_dir=tmp_path, profile="cluster",
                             dagster_database_url="postgresql+psycopg://u:p@db:5432/dagster")
    home = write_instance(settings, tmp_path / "dagster")
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["storage"] == {"postgres": {"postgres_url": "postgresql+psycopg2://u:p@db:5432/dagster"}}
    assert config["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    assert config["run_queue"] == {"dequeue_interval_seconds": 1}
    assert (home / "dagster.yaml").stat().st_mode & 0o777 == 0o600


def test_cluster_profile_without_a_database_names_the_setting(tmp_path: Path) -> None:
    """The cluster profile refuses to fall back to SQLite files no other host can see."""
    import pytest

    from reelhouse.errors import ConfigError

    settings = load_settings(state_dir=tmp_path, profile="cluster")
    with pytest.raises(ConfigError, match="REELHOUSE_DAGSTER_DATABASE_URL"):
        write_instance(settings, tmp_path / "dagster")
