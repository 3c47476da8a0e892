"""Our daemon entry point: pools sized from the settings, then Dagster's own daemon."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common import TRANSCODE_POOL
from pipelines import daemon
from reelhouse.config import load_settings
from reelhouse.dagster_instance import write_instance


def test_main_sizes_pools_then_runs_dagsters_daemon(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """Before handing over to `dagster-daemon`, the transcode pool is sized from the
    settings in the environment."""
    import dagster as dg
    from dagster._daemon import cli

    home = write_instance(load_settings(state_dir=tmp_path), tmp_path / "dagster")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("REELHOUSE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("REELHOUSE_TRANSCODE_CONCURRENCY", "2")
    handed_over: list[bool] = []
    monkeypatch.setattr(cli, "main", lambda: handed_over.append(True))
    daemon.main()
    assert handed_over == [True]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        limits = {p.name: p.limit for p in instance.event_log_storage.get_pool_limits()}
    assert limits == {TRANSCODE_POOL: 2}
