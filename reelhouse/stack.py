"""The local stack: starts each service as a child we own, waits until it answers, stops all."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reelhouse import seaweed
from reelhouse.config import Settings, settings_env
from reelhouse.dagster_instance import write_instance
from reelhouse.errors import StackError
from reelhouse.ports import port_free
from reelhouse.private import PRIVATE_UMASK, open_private, private_dir

# Dagster loads our definitions by module name, so an installed wheel needs no checkout.
DEFINITIONS_MODULE = "pipelines.definitions"


def dashboard_app() -> Path:
    """The Panel app file inside the installed `dashboard` package."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or spec.origin is None:
        raise StackError("the dashboard package is not installed: pip install 'reelhouse[stack]'")
    return Path(spec.origin).parent / "app.py"


def http_answers(
    url: str, ok: Callable[[int], bool] = lambda code: code < 500
) -> Callable[[], bool]:
    """A readiness probe: True once `url` answers with a status `ok` accepts."""

    def probe() -> bool:
        try:
            return ok(httpx.get(url, timeout=2).status_code)
        except httpx.HTTPError:
            return False

    return probe


# A child that dies more often than this is broken, not unlucky: stop and say where its log is.
CRASH_LIMIT = 5
CRASH_WINDOW_S = 60.0


@dataclass
class Service:
    """One child process of the stack, with the ports it needs and how to tell it is ready."""

    name: str
    argv: list[str]
    ports: dict[str, int]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    # A Celery worker: listed with its scratch dir when the stack is up.
    worker: bool = False
    # When it died lately (monotonic seconds): a service that keeps dying stops the stack.
    crashes: list[float] = field(default_factory=list)


class Supervisor:
    """Owns the children: each in its own process group, logged under `state_dir/logs`."""

    def __init__(self, log_dir: Path, host: str = "127.0.0.1") -> None:
        self.log_dir = log_dir
        self.host = host
        self.services: list[Service] = []

    def check_ports(self, services: list[Service]) -> None:
        for service in services:
            for what, port in service.ports.items():
                if not port_free(self.host, port):
                    raise StackError(f"{service.name}: port {port} ({what}) is already in use; "
                                     "stop what holds it or choose another port in settings")

    def launch(self, service: Service) -> None:
        """Start `service` in a new process group, its output appended to its log file."""
        private_dir(self.log_dir)
        with open(self.log_dir / f"{service.name}.log", "ab", opener=open_private) as log:
            service.process = subprocess.Popen(
                service.argv, env=service.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                umask=PRIVATE_UMASK, preexec_fn=_die_with(os.getpid()))
        self.services.append(service)

    def wait_ready(self, services: list[Service], timeout_s: float = 90) -> None:
        """Block until every service's probe passes; StackError if one dies or stalls."""
        deadline = time.monotonic() + timeout_s
        pending = list(services)
        while pending:
            pending = [s for s in pending if not s.ready()]
            for service in pending:
                assert service.process is not None
                log = self.log_dir / f"{service.name}.log"
                if service.process.poll() is not None:
                    raise StackError(f"{service.name} exited with {service.process.returncode}; "
                                     f"see {log}")
                if time.monotonic() > deadline:
                    raise StackError(f"{service.name} did not answer within {timeout_s:.0f}s; "
                                     f"see {log}")
            if pending:
                time.sleep(0.2)

    def start(self, service: Service, timeout_s: float = 90) -> None:
        """Start one service and wait until it answers."""
        self.launch(service)
        self.wait_ready([service], timeout_s)

    def relaunch(self, service: Service) -> None:
        """Start a dead child again (its log continues), after killing what it left in its
        process group: uvicorn's workers would keep the API's port, a code server its runs
        (run monitoring then marks those failed and run retries start them again)."""
        assert service.process is not None
        _signal_group(service.process.pid, signal.SIGKILL)
        self.services.remove(service)
        self.launch(service)

    def dead(self) -> Service | None:
        """The first child that has exited on its own, if any."""
        return next((s for s in self.services if s.process and s.process.poll() is not None),
                    None)

    def stop(self, grace_s: float = 15) -> None:
        """SIGTERM every process group (newest first), then SIGKILL what is left."""
        groups = [s.process.pid for s in reversed(self.services) if s.process]
        for pgid in groups:
            _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for service in reversed(self.services):
            assert service.process is not None
            try:
                service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # Children of children (Dagster code servers, run workers) share the group.
        while any(_group_alive(g) for g in groups) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pgid in groups:
            _signal_group(pgid, signal.SIGKILL)
        for service in self.services:
            if service.process and service.process.poll() is None:
                service.process.wait(5)
        self.services.clear()


def _die_with(parent: int) -> Callable[[], None] | None:
    """For a child: SIGTERM when `parent` dies, however it dies (Linux's parent-death signal).

    Each child has a process group of its own, so a `reelhouse up` killed with SIGKILL, which
    cannot stop them, would leave every server running on its port; this way they follow it.
    (The signal follows the thread that started the child: the supervisor's, which lives as
    long as the stack.)"""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def arm() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # it died before the signal was armed
            os._exit(1)

    return arm


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def s3_service(settings: Settings) -> Service:
    """The embedded SeaweedFS, ready once its S3 port answers HTTP."""
    argv, env = seaweed.command(settings)
    return Service("s3", argv, seaweed.ports_for(settings.s3_port),
                   http_answers(f"{settings.s3_endpoint}/", lambda code: code in (200, 403)),
                   env=env, url=settings.s3_public_endpoint)


def dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME under the state dir, its dagster.yaml rewritten from settings each start."""
    return write_instance(settings, (settings.state_dir / "dagster").resolve())


def init_dagster_storage(settings: Settings, home: Path) -> None:
    """Create (or migrate) Dagster's storage once, before its processes start.

    The webserver, the daemon and their code servers would otherwise each create the
    same fresh databases at once, and alembic then finds two heads and refuses to load.
    On PostgreSQL this also upgrades a schema an older Dagster made.
    """
    if settings.profile != "cluster" and (home / "schedules" / "schedules.db").exists():
        return
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run([str(dagster), "instance", "migrate"], env=dagster_env(settings, home),
                          capture_output=True, text=True, timeout=300, umask=PRIVATE_UMASK)
    if done.returncode != 0:
        raise StackError(f"dagster: could not create its storage in {home}: "
                         f"{done.stderr.strip().splitlines()[-1:]}")


def dagster_env(settings: Settings, home: Path) -> dict[str, str]:
    """Environment for Dagster processes: our settings, DAGSTER_HOME, telemetry off."""
    return settings_env(settings) | {"DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1"}


def daemon_service(settings: Settings, home: Path) -> Service:
    """`dagster-daemon run` over our definitions (sensors, schedules, the run queue).

    Started through `pipelines.daemon`, which sizes the pools first.
    """
    return Service("dagster-daemon", [sys.executable, "-m", "pipelines.daemon", "run",
                                      "-m", DEFINITIONS_MODULE],
                   {}, lambda: True, env=dagster_env(settings, home))


def webserver_service(settings: Settings, home: Path) -> Service:
    """Dagster's UI, also the GraphQL endpoint the API launches runs through; ready when
    /server_info answers."""
    bin_dir = Path(sys.executable).parent
    return Service("dagster", [str(bin_dir / "dagster-webserver"), "-m", DEFINITIONS_MODULE,
                               "-h", settings.dagster_host, "-p", str(settings.dagster_port)],
                   {"http": settings.dagster_port},
                   http_answers(f"http://127.0.0.1:{settings.dagster_port}/server_info",
                                lambda c: c == 200),
                   env=dagster_env(settings, home), url=settings.dagster_url)


def api_service(settings: Settings, port: int | None = None,
                env: dict[str, str] | None = None) -> Service:
    """The signing API: uvicorn with `api_workers` processes, ready when /api/health answers.

    `port` defaults to the api_port setting; benchmarks pass a free one.
    """
    port = port or settings.api_port
    argv = [sys.executable, "-m", "uvicorn", "signing_api.app:create_app", "--factory",
            "--host", settings.host, "--port", str(port),
            "--workers", str(settings.api_workers), "--no-access-log",
            # uvicorn believes X-Forwarded-For/-Proto from the same proxies the API does.
            *(["--forwarded-allow-ips", ",".join(settings.trusted_proxies)]
              if settings.trusted_proxies else ["--no-proxy-headers"])]
    local = f"http://127.0.0.1:{port}"
    return Service("api", argv, {"http": port},
                   http_answers(f"{local}/api/health", lambda c: c == 200),
                   env=env or settings_env(settings),
                   url=f"{settings.api_url}/docs" if port == settings.api_port else local)


def app_services(settings: Settings, home: Path | None = None) -> list[Service]:
    """The API, Dagster (webserver and daemon as separate children) and the dashboard;
    `home` is DAGSTER_HOME when the caller has written it already."""
    home = home or dagster_home(settings)
    env = dagster_env(settings, home)
    host = settings.host
    origins = [o.split("://", 1)[1] for o in settings.allowed_origins]
    return [
        api_service(settings, env=env),
        daemon_service(settings, home),
        webserver_service(settings, home),
        Service("dashboard", [sys.executable, "-m", "panel", "serve",
                              str(dashboard_app()),
                              "--address", host, "--port", str(settings.dashboard_port),
                              *[arg for o in origins for arg in ("--allow-websocket-origin", o)],
                              "--num-procs", "1"],
                {"http": settings.dashboard_port},
                http_answers(f"http://127.0.0.1:{settings.dashboard_port}/app",
                             lambda c: c == 200),
                env=client_env(env), url=f"{settings.dashboard_url}/app"),
    ]


# What only servers may hold: the dashboard is a client of the API with each visitor's token.
SERVER_SECRETS = ("REELHOUSE_S3_ACCESS_KEY_ID", "REELHOUSE_S3_SECRET_ACCESS_KEY",
                  "REELHOUSE_SECRET_KEY", "REELHOUSE_DATABASE_URL", "DATABASE_URL",
                  "REELHOUSE_DAGSTER_DATABASE_URL", "REELHOUSE_CELERY_BROKER_URL",
                  "REELHOUSE_CELERY_BACKEND_URL")


def client_env(env: dict[str, str]) -> dict[str, str]:
    """`env` without the storage keys, signing secret and database URL."""
    return {name: value for name, value in env.items() if name not in SERVER_SECRETS}


def _url_table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {url}" for name, url in rows)


def run_stack(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """`reelhouse up`: start everything, print the URLs, supervise until Ctrl-C, stop all.

    The embedded profile runs storage and Dagster in-process-light (weed mini, SQLite, steps
    in the run's process); `settings.profile == "cluster"` runs reelhouse.cluster's parts.
    """
    from reelhouse.bootstrap import prepare
    from reelhouse.db import Database
    from reelhouse.storage import Storage

    private_dir(settings.state_dir)
    started = time.monotonic()
    supervisor = Supervisor(settings.state_dir / "logs", settings.host)
    cluster = None
    if settings.profile == "cluster":
        from reelhouse import cluster as cluster_parts

        echo("starting PostgreSQL ...")
        cluster = cluster_parts.start_servers(settings)
        settings = cluster.settings
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C stops the stack even when started where SIGINT is ignored (`reelhouse up &` in a
    # script: background jobs inherit SIG_IGN, and then Python installs no handler of its own).
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        home = dagster_home(settings)
        if cluster is not None:
            infra = cluster_parts.infra_services(cluster)
            apps = [*app_services(settings, home), *cluster_parts.worker_services(
                settings, dagster_env(settings, home), supervisor.log_dir)]
        else:
            infra = [s3_service(settings)] if settings.embedded_s3 else []
            apps = app_services(settings, home)
        supervisor.check_ports([*infra, *apps])
        for service in infra:
            echo(f"starting {service.name} ...")
            supervisor.start(service, timeout_s=60)
        admin = prepare(settings, Storage(settings), Database(settings))
        init_dagster_storage(settings, home)
        echo("starting API, Dagster, dashboard" + (" and workers" if cluster else "") + " ...")
        for service in apps:
            supervisor.launch(service)
        supervisor.wait_ready(apps, timeout_s=120)
        storage = ("SeaweedFS cluster: master, volume servers, filer, S3" if cluster
                   else "embedded SeaweedFS")
        rows = [("dashboard", f"{settings.dashboard_url}/app"),
                ("API docs", f"{settings.api_url}/docs"),
                ("Dagster UI", settings.dagster_url),
                ("S3 endpoint", settings.s3_public_endpoint
                 + (f" ({storage})" if settings.embedded_s3 else "")),
                *(cluster.rows if cluster else []),
                *[(s.name, f"Celery worker (pid {s.process.pid if s.process else '?'}), "
                           f"scratch in {s.url}") for s in apps if s.worker]]
        echo(f"\nReelhouse ({settings.profile}) is up in {time.monotonic() - started:.0f}s:\n"
             f"{_url_table(rows)}")
        if admin:
            echo(f"\nFirst start: admin user {admin.username!r}, password {admin.password}\n"
                 f"API token (shown once): {admin.token}")
        echo(f"\nState in {settings.state_dir.resolve()}; logs in "
             f"{supervisor.log_dir.resolve()}. Press Ctrl-C to stop.")
        _supervise(supervisor, echo)
    except KeyboardInterrupt:
        echo("\nstopping ...")
    finally:
        # A second Ctrl-C must not abandon half-stopped children (or the private PostgreSQL).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        supervisor.stop()
        if cluster is not None:
            cluster.stop()
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    echo("stopped; every service has exited.")


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _supervise(supervisor: Supervisor, echo: Callable[[str], None],
               clock: Callable[[], float] = time.monotonic) -> None:
    """Start again any child that dies (kill -9, a crash, an out-of-memory kill), as a service
    manager would; every part keeps its state where a restart finds it. A child that dies
    more than CRASH_LIMIT times within CRASH_WINDOW_S seconds stops the stack instead."""
    while True:
        dead = supervisor.dead()
        if dead is None:
            time.sleep(0.5)
            continue
        assert dead.process is not None
        now = clock()
        dead.crashes = [t for t in dead.crashes if now - t < CRASH_WINDOW_S] + [now]
        log = supervisor.log_dir / (dead.name + ".log")
        if len(dead.crashes) > CRASH_LIMIT:
            raise StackError(f"{dead.name} stopped {len(dead.crashes)} times within "
                             f"{CRASH_WINDOW_S:.0f}s (last exit {dead.process.returncode}); "
                             f"see {log}")
        echo(f"{dead.name} exited ({dead.process.returncode}); starting it again")
        supervisor.relaunch(dead)
