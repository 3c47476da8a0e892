"""The cluster profile's choices before anything starts: where a private PostgreSQL keeps its
data, and how many workers start."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse import cluster, postgres
from reelhouse.config import load_settings


def test_postgres_data_stays_in_the_state_dir_when_the_server_may_enter_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A state dir the server's account can reach holds its data."""
    monkeypatch.setattr(postgres, "reachable", lambda path: True)
    settings = load_settings(state_dir=tmp_path)
    assert cluster.postgres_dir(settings) == (tmp_path / "postgres").resolve()


def test_postgres_data_moves_under_tmp_when_the_state_dir_is_closed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a 0700 parent (root's home) the data goes to /tmp, in a directory named for the
    state dir, so the next start finds it again and another state dir gets its own."""
    monkeypatch.setattr(postgres, "reachable", lambda path: False)
    first = cluster.postgres_dir(load_settings(state_dir=tmp_path / "a"))
    assert first.parent == Path("/tmp") and first.name.startswith("reelhouse-postgres-")
    assert first == cluster.postgres_dir(load_settings(state_dir=tmp_path / "a"))
    assert first != cluster.postgres_dir(load_settings(state_dir=tmp_path / "b"))


def test_worker_names_follow_the_setting() -> None:
    """Two workers by default, worker-1 and worker-2; the setting changes how many."""
    assert cluster.worker_names(load_settings()) == ["worker-1", "worker-2"]
    assert cluster.worker_names(load_settings(cluster_workers=3))[-1] == "worker-3"


def test_the_dashboard_gets_neither_dagsters_database_nor_the_broker(tmp_path: Path) -> None:
    """On the cluster profile the dashboard (a client of the API) never sees the URLs that
    carry the Dagster database's or the broker's password; the daemon does."""
    from reelhouse.stack import app_services

    secret_urls = {"postgresql+psycopg://u:pw@db/dagster", "redis://:pw@redis:6379/0"}
    settings = load_settings(state_dir=tmp_path, profile="cluster",
                             dagster_database_url="postgresql+psycopg://u:pw@db/dagster",
                             celery_broker_url="redis://:pw@redis:6379/0")
    services = {service.name: service for service in app_services(settings)}
    assert secret_urls <= set(services["dagster-daemon"].env.values())
    assert not secret_urls & set(services["dashboard"].env.values())


def test_workers_are_pinned_one_cpu_each_when_cpus_are_set(tmp_path: Path) -> None:
    """With worker_cpus set each worker's argv runs under `taskset -c` on its own CPU, round
    robin; unset, the argv is the bare `reelhouse worker`."""
    settings = load_settings(state_dir=tmp_path, cluster_workers=3, worker_cpus=[2, 5])
    argvs = [s.argv for s in cluster.worker_services(settings, {}, tmp_path)]
    assert [argv[:3] for argv in argvs] == [["taskset", "-c", "2"], ["taskset", "-c", "5"],
                                            ["taskset", "-c", "2"]]
    assert argvs[1][3:] == [argvs[1][3], "worker", "--name", "worker-2"]
    assert argvs[1][3].endswith("reelhouse")
    [bare] = cluster.worker_services(load_settings(state_dir=tmp_path, cluster_workers=1),
                                     {}, tmp_path)
    assert bare.argv[1:] == ["worker", "--name", "worker-1"]
