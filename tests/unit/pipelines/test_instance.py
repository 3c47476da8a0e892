"""The dagster.yaml Reelhouse writes is one Dagster accepts, with the transcode pool sized."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from reelhouse.config import load_settings
from reelhouse.dagster_instance import write_instance
from reelhouse.stack import daemon_service


def test_instance_config_loads_with_the_transcode_limit(tmp_path: Path) -> None:
    """Queued runs, a 1 s dequeue, and pools limited to `transcode_concurrency` at op level."""
    settings = load_settings(state_dir=tmp_path, transcode_concurrency=2)
    home = write_instance(settings, tmp_path / "dagster", max_concurrent_runs=3)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert (pools.default_pool_limit, pools.pool_granularity.value) == (2, "op")
        assert instance.run_coordinator.dequeue_interval_seconds == 1  # type: ignore[attr-defined]
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 3
        assert not instance.nux_enabled  # no community pop-up over the UI


def test_daemon_gets_the_settings_and_home_in_its_environment(tmp_path: Path) -> None:
    """The daemon (and the code server and runs under it) rebuild the same settings."""
    settings = load_settings(state_dir=tmp_path, s3_port=23456)
    service = daemon_service(settings, tmp_path / "dagster")
    assert service.argv[1:6] == ["-m", "reelhouse.dagster_daemon", "run",
                                 "-m", "pipelines.definitions"]
    assert service.env["DAGSTER_HOME"] == str(tmp_path / "dagster")
    assert service.env["REELHOUSE_S3_PORT"] == "23456"


def test_the_daemon_wrapper_still_finds_dagsters_sensor_loop(monkeypatch) -> None:
    """A Dagster upgrade that renames the loop constant must fail here, not slow uploads."""
    from dagster._daemon import cli, sensor

    from reelhouse import dagster_daemon

    monkeypatch.setattr(sensor, "MIN_INTERVAL_LOOP_TIME", sensor.MIN_INTERVAL_LOOP_TIME)
    monkeypatch.setattr(cli, "main", lambda: None)
    dagster_daemon.main()
    assert sensor.MIN_INTERVAL_LOOP_TIME == dagster_daemon.SENSOR_LOOP_S
