"""`reelhouse worker`: a Celery worker that runs Dagster steps of the cluster profile, on any host.

It is dagster-celery's worker app (`dagster_celery.app`) given our Celery settings through the
module that app reads (`dagster_celery_config`, written beside the worker's scratch dir), so
worker and executor agree by construction (reelhouse.celery_config).
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from reelhouse.celery_config import CONFIG_MODULE, QUEUE, broker_url, config_module
from reelhouse.config import ENV_PREFIX, Settings, settings_env
from reelhouse.errors import ConfigError

APP = "dagster_celery.app"


def default_name() -> str:
    """A worker name unique on this host: reelhouse-<pid> (Celery adds @<hostname>)."""
    return f"reelhouse-{os.getpid()}"


def worker_dir(settings: Settings, name: str) -> Path:
    """This worker's own directory: its Celery config module and, by default, its scratch."""
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"worker name: letters, digits, '-' and '_', not {name!r}")
    return (settings.state_dir / "workers" / name).resolve()


def command(settings: Settings, name: str, concurrency: int | None = None) -> list[str]:
    """argv of the Celery worker: dagster-celery's app, its queue, one prefetched step."""
    return [sys.executable, "-m", "celery", "-A", APP, "worker", "--loglevel", "INFO",
            "-Q", QUEUE, "-n", f"{name}@{socket.gethostname()}",
            "--concurrency", str(concurrency or settings.worker_concurrency),
            "--prefetch-multiplier", "1", "--pool", "prefork", "--without-gossip",
            "--without-mingle"]


def prepare(settings: Settings, name: str) -> dict[str, str]:
    """Write the worker's config module and scratch dir; return the environment it runs in."""
    broker_url(settings)  # a missing broker fails here, in one line, not in Celery
    home = worker_dir(settings, name)
    scratch = settings.scratch_dir.resolve() if settings.scratch_dir else home / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    config_dir = home / "celery"
    config_dir.mkdir(parents=True, exist_ok=True)
    # It may hold the broker's password.
    path = config_dir / f"{CONFIG_MODULE}.py"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(config_module(settings))
    env = settings_env(settings)
    python_path = [str(config_dir), *filter(None, [env.get("PYTHONPATH")])]
    return {**env, "PYTHONPATH": os.pathsep.join(python_path),
            ENV_PREFIX + "PROFILE": "cluster", ENV_PREFIX + "SCRATCH_DIR": str(scratch)}


def run(settings: Settings, name: str | None = None, concurrency: int | None = None) -> None:
    """Become the Celery worker (exec): signals and exit codes are Celery's own."""
    name = name or default_name()
    env = prepare(settings, name)
    argv = command(settings, name, concurrency)
    os.execve(argv[0], argv, env)
