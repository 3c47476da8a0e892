"""Our daemon entry point: the one use of a private Dagster name, checked against Dagster."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from assets.common import TRANSCODE_POOL
from pipelines import daemon
from reelhouse.config import load_settings
from reelhouse.dagster_instance import write_instance


def test_dagsters_sensor_loop_still_waits_on_the_constant_we_patch() -> None:
    """A Dagster upgrade that renames, retypes or stops using the loop constant fails here,
    loudly, rather than quietly making every upload wait 5 s for its run."""
    loop = importlib.import_module(daemon.LOOP_MODULE)
    value = getattr(loop, daemon.LOOP_CONSTANT, None)
    assert isinstance(value, int | float), (
        f"{daemon.LOOP_MODULE}.{daemon.LOOP_CONSTANT} is gone: pipelines/daemon.py needs a "
        "new way to turn the sensor loop every second")
    assert value > daemon.SENSOR_LOOP_S
    uses = inspect.getsource(loop).count(daemon.LOOP_CONSTANT)
    assert uses >= 2, f"{daemon.LOOP_CONSTANT} is defined but no longer used by the loop"


def test_main_patches_the_loop_sizes_pools_then_runs_dagsters_daemon(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Before handing over to `dagster-daemon`, the loop turns every second and the
    transcode pool is sized from the settings in the environment."""
    import dagster as dg
    from dagster._daemon import cli

    loop = importlib.import_module(daemon.LOOP_MODULE)
    monkeypatch.setattr(loop, daemon.LOOP_CONSTANT, getattr(loop, daemon.LOOP_CONSTANT))
    home = write_instance(load_settings(state_dir=tmp_path), tmp_path / "dagster")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("REELHOUSE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("REELHOUSE_TRANSCODE_CONCURRENCY", "2")
    handed_over: list[bool] = []
    monkeypatch.setattr(cli, "main", lambda: handed_over.append(True))
    daemon.main()
    assert handed_over == [True]
    assert getattr(loop, daemon.LOOP_CONSTANT) == daemon.SENSOR_LOOP_S
    with dg.DagsterInstance.from_config(str(home)) as instance:
        limits = {p.name: p.limit for p in instance.event_log_storage.get_pool_limits()}
    assert limits == {TRANSCODE_POOL: 2}
