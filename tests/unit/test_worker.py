"""`reelhouse worker` and the private Redis: argv built by pure functions, a worker's own
scratch and Celery config module, and settings the worker refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reelhouse import redis_server, worker
from reelhouse.config import load_settings
from reelhouse.errors import ConfigError

BROKER = "redis://127.0.0.1:6390/0"


def test_worker_argv_is_dagster_celerys_app_on_its_queue(tmp_path: Path) -> None:
    """The worker runs dagster-celery's app on the `dagster` queue, one step prefetched, named
    <name>@<host>, with the concurrency setting unless one is passed."""
    settings = load_settings(state_dir=tmp_path, celery_broker_url=BROKER, worker_concurrency=3)
    argv = worker.command(settings, "w1")
    assert argv[1:6] == ["-m", "celery", "-A", "dagster_celery.app", "worker"]
    assert argv[argv.index("-Q") + 1] == "dagster"
    assert argv[argv.index("-n") + 1].startswith("w1@")
    assert argv[argv.index("--concurrency") + 1] == "3"
    assert argv[argv.index("--prefetch-multiplier") + 1] == "1"
    assert worker.command(settings, "w1", 2)[argv.index("--concurrency") + 1] == "2"


def test_each_worker_gets_its_own_scratch_and_config_module(tmp_path: Path) -> None:
    """Two workers on one state dir: separate scratch dirs, each first on its PYTHONPATH with
    a private `dagster_celery_config` naming the broker."""
    settings = load_settings(state_dir=tmp_path, celery_broker_url=BROKER)
    envs = [worker.prepare(settings, name) for name in ("w1", "w2")]
    scratch = {env["REELHOUSE_SCRATCH_DIR"] for env in envs}
    assert scratch == {str((tmp_path / "workers" / n / "scratch").resolve()) for n in ("w1", "w2")}
    for env in envs:
        assert env["REELHOUSE_PROFILE"] == "cluster"
        module = Path(env["PYTHONPATH"].split(os.pathsep)[0]) / "dagster_celery_config.py"
        assert f"broker_url = {BROKER!r}" in module.read_text()
        assert module.stat().st_mode & 0o777 == 0o600


def test_worker_without_a_broker_or_with_a_bad_name_refuses(tmp_path: Path) -> None:
    """No broker, or a name that is not a plain word: one ConfigError, nothing started."""
    with pytest.raises(ConfigError, match="REELHOUSE_CELERY_BROKER_URL"):
        worker.prepare(load_settings(state_dir=tmp_path), "w1")
    with pytest.raises(ConfigError, match="worker name"):
        worker.prepare(load_settings(state_dir=tmp_path, celery_broker_url=BROKER), "../x")


def test_redis_argv_binds_loopback_and_keeps_its_files_in_the_dir(tmp_path: Path) -> None:
    """The private Redis listens on 127.0.0.1:<port> only, in the foreground, its files (an
    append-only log, or none) in the given directory."""
    if redis_server.shutil.which(redis_server.BINARY) is None:
        pytest.skip("redis-server not installed")
    argv = redis_server.command(tmp_path / "redis", 6390)
    pairs = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert pairs["--bind"] == "127.0.0.1" and pairs["--port"] == "6390"
    assert pairs["--dir"] == str((tmp_path / "redis").resolve())
    assert pairs["--daemonize"] == "no" and pairs["--appendonly"] == "yes"
    throwaway = redis_server.command(tmp_path / "redis", 6390, persistent=False)
    assert dict(zip(throwaway[1::2], throwaway[2::2], strict=False))["--appendonly"] == "no"
