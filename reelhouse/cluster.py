"""`reelhouse up --profile cluster`: every part a separate process sharing nothing but the
network, as on many hosts, started on one machine.

PostgreSQL (the API's `reelhouse` database and Dagster's `dagster`) and Redis (the Celery
broker) are the ones settings name, else private servers in the state dir on free ports;
then the SeaweedFS cluster (unless an S3 endpoint is set), the API, Dagster's webserver and
daemon on PostgreSQL, the dashboard and `reelhouse worker`s (two by default) with their own
scratch dirs.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reelhouse import postgres, redis_server, seaweed
from reelhouse.config import Settings
from reelhouse.ports import free_port
from reelhouse.worker import worker_dir

if TYPE_CHECKING:
    from reelhouse.stack import Service



def worker_names(settings: Settings) -> list[str]:
    """worker-1 ... worker-N, N the cluster_workers setting."""
    return [f"worker-{n}" for n in range(1, settings.cluster_workers + 1)]


@dataclass
class ClusterServers:
    """The settings the cluster runs with, and the private servers started for it."""

    settings: Settings
    rows: list[tuple[str, str]] = field(default_factory=list)
    postgres: postgres.PostgresServer | None = None
    redis_port: int | None = None

    def stop(self) -> None:
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


def postgres_dir(settings: Settings) -> Path:
    """The private server's data: in the state dir, or (when its account may not enter the
    state dir, e.g. root's 0700 home) a directory of its own under /tmp named for it."""
    inside = (settings.state_dir / "postgres").resolve()
    if postgres.reachable(inside):
        return inside
    digest = hashlib.sha256(str(inside).encode()).hexdigest()[:12]
    return Path("/tmp") / f"reelhouse-postgres-{digest}"


def start_servers(settings: Settings) -> ClusterServers:
    """PostgreSQL now (named or private, with both databases); Redis chosen (started later, as
    a supervised child, when no broker is named)."""
    servers = ClusterServers(settings)
    api_url, dagster_url = settings.database_url, settings.dagster_database_url
    if not (postgres.is_postgres(api_url) and postgres.is_postgres(dagster_url)):
        data = postgres_dir(settings)
        servers.postgres = postgres.start(data, "reelhouse")
        api_url = api_url if postgres.is_postgres(api_url) else servers.postgres.url
        if not postgres.is_postgres(dagster_url):
            postgres.create_database(servers.postgres.url, "dagster")
            dagster_url = servers.postgres.url_for("dagster")
        servers.rows.append(("PostgreSQL", f"127.0.0.1:{servers.postgres.port} "
                                           f"(private; data in {data})"))
    broker = settings.celery_broker_url
    if not broker:
        servers.redis_port = free_port()
        broker = redis_server.url_for(servers.redis_port)
        servers.rows.append(("Redis", f"{broker} (private)"))
    servers.settings = settings.model_copy(update={
        "profile": "cluster", "database_url": api_url, "dagster_database_url": dagster_url,
        "celery_broker_url": broker})
    return servers


def infra_services(servers: ClusterServers) -> list[Service]:
    """Redis (when private) and the SeaweedFS cluster (when no S3 endpoint is set)."""
    from reelhouse.stack import Service

    settings = servers.settings
    out = []
    if servers.redis_port is not None:
        url = redis_server.url_for(servers.redis_port)
        argv = redis_server.command(settings.state_dir / "redis", servers.redis_port)
        out.append(Service("redis", argv, {"redis": servers.redis_port},
                           lambda: redis_server.answers(url)))
    if settings.embedded_s3:
        out.extend(seaweed.cluster_services(settings))
    return out


def _logged_ready(log: Path, name: str) -> Callable[[], bool]:
    """Ready once Celery has logged `<name>@<host> ready.`"""
    def probe() -> bool:
        try:
            text = log.read_text(errors="replace")
        except FileNotFoundError:
            return False
        return f"{name}@" in text and " ready." in text
    return probe


def pinned(argv: list[str], cpus: list[int], index: int) -> list[str]:
    """`argv` under `taskset -c` on the index-th of `cpus` (round robin); as is when empty."""
    if not cpus:
        return argv
    return ["taskset", "-c", str(cpus[index % len(cpus)]), *argv]


def worker_services(settings: Settings, env: dict[str, str], log_dir: Path) -> list[Service]:
    """`reelhouse worker` processes (two by default), each with its own scratch dir, pinned
    to a CPU when worker_cpus names some."""
    from reelhouse.stack import Service

    exe = str(Path(sys.executable).parent / "reelhouse")
    return [Service(name, pinned([exe, "worker", "--name", name], settings.worker_cpus, n), {},
                    _logged_ready(log_dir / f"{name}.log", name), env=env,
                    url=str(worker_dir(settings, name) / "scratch"), worker=True)
            for n, name in enumerate(worker_names(settings))]
