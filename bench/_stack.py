"""One `reelhouse up` started as a user starts it, for benchmarks: fresh state dir, free ports."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from reelhouse.client import Client
from reelhouse.cluster import postgres_dir
from reelhouse.config import Settings, load_settings
from reelhouse.ports import free_port, free_s3_port

PASSWORD = "bench-admin-pass"
BUSY = dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
                               dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED])
REELHOUSE = str(Path(sys.executable).parent / "reelhouse")


class Stack:
    """One `reelhouse up` child in its own state dir, its output in `up.log` there."""

    def __init__(self, state: Path, argv: list[str], env: dict[str, str]) -> None:
        self.state = state
        self.log = state / "up.log"
        self.api_port = free_port()
        self.env = {**os.environ, **env, "REELHOUSE_STATE_DIR": str(state),
                    "REELHOUSE_API_PORT": str(self.api_port),
                    "REELHOUSE_DAGSTER_PORT": str(free_port()),
                    "REELHOUSE_DASHBOARD_PORT": str(free_port()),
                    "REELHOUSE_S3_PORT": str(free_s3_port()),
                    "REELHOUSE_ADMIN_PASSWORD": PASSWORD, "REELHOUSE_SEED_SAMPLE": "false"}
        state.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            # cwd: the state dir, so no .env of the checkout changes the settings.
            self.proc = subprocess.Popen(argv, env=self.env, cwd=state, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)

    def wait_up(self, timeout_s: float = 600) -> None:
        deadline = time.monotonic() + timeout_s
        while "Press Ctrl-C" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("reelhouse up did not come up:\n" + self._tail())
            time.sleep(0.5)

    def _tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def client(self, username: str = "admin", password: str = PASSWORD) -> Client:
        api = Client(self.api_url)
        api.login(username, password)
        return api

    def settings(self) -> Settings:
        """The stack's own settings, as its children read them (for audits beside it)."""
        return load_settings(**{k.removeprefix("REELHOUSE_").lower(): v
                                for k, v in self.env.items() if k.startswith("REELHOUSE_")})

    def cli(self, *args: str) -> str:
        """`reelhouse ARGS` against this stack's state dir (e.g. `users add`)."""
        done = subprocess.run([REELHOUSE, *args], env=self.env, cwd=self.state, text=True,
                              capture_output=True, check=False)
        if done.returncode:
            raise RuntimeError(f"reelhouse {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def cpu_seconds(self) -> dict[int, tuple[bool, float]]:
        """CPU seconds so far of every process of the stack (with the children each has
        reaped, e.g. a step's ffmpeg), by pid: (whether it belongs to a Celery worker, s)."""
        import psutil

        root = psutil.Process(self.proc.pid)
        found: dict[int, tuple[bool, float]] = {}
        for proc in [root, *root.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                lineage = [proc, *proc.parents()]
                worker = any("celery" in " ".join(p.cmdline()) for p in lineage
                             if p.pid != root.pid and p.pid > 1)
            except psutil.Error:  # exited meanwhile
                continue
            found[proc.pid] = (worker, times.user + times.system + times.children_user
                               + times.children_system)
        return found

    def wait_idle(self, timeout_s: float = 600) -> None:
        """Until no Dagster run is queued or running (a run goes on after `ready`: catalog)."""
        deadline = time.monotonic() + timeout_s
        with dg.DagsterInstance.from_config(str(self.state / "dagster")) as instance:
            while instance.get_runs_count(BUSY):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"runs still going after {timeout_s:.0f}s")
                time.sleep(0.5)

    def stop(self) -> None:
        """Ctrl-C, as a user stops it (it stops every child and the private PostgreSQL)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # A private PostgreSQL keeps its data under /tmp when its account cannot enter the
        # state dir (root's), so the temp dir's removal would not take it.
        data = postgres_dir(load_settings(state_dir=self.state))
        if not data.is_relative_to(self.state.resolve()):
            shutil.rmtree(data, ignore_errors=True)
