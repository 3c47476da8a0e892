"""The run launcher's health check: a run whose process is gone is reported failed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
from dagster._core.launcher import WorkerStatus

from pipelines.launcher import HOST_TAG, STARTED, LocalRunLauncher, process_alive
from reelhouse.config import load_settings
from reelhouse.dagster_instance import write_instance


def test_process_alive_knows_live_dead_zombie_and_reused_pids() -> None:
    assert process_alive(os.getpid(), started_before=time.time())
    assert not process_alive(os.getpid(), started_before=time.time() - 3600)  # pid reused
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().split(")")[1].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not process_alive(child.pid)  # exited, not yet reaped
    child.wait()
    assert not process_alive(child.pid)


def _run_with_pid(instance: dg.DagsterInstance, pid: int, host: str) -> dg.DagsterRun:
    @dg.op
    def noop() -> None: ...

    @dg.job
    def a_job() -> None:
        noop()

    run = instance.create_run_for_job(a_job)
    instance.add_run_tags(run.run_id, {HOST_TAG: host})
    instance.report_engine_event(f"{STARTED}{pid}).", run)
    return instance.get_run_by_id(run.run_id)  # type: ignore[return-value]


def test_health_is_failed_once_the_run_process_is_gone(tmp_path: Path) -> None:
    """Alive: RUNNING; killed: FAILED; started on another host: RUNNING (cannot tell)."""
    import socket

    home = write_instance(load_settings(state_dir=tmp_path), tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, LocalRunLauncher)
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            run = _run_with_pid(instance, worker.pid, socket.gethostname())
            assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
            worker.kill()
            worker.wait()
            result = launcher.check_run_worker_health(run)
            assert result.status == WorkerStatus.FAILED
            assert str(worker.pid) in (result.msg or "")
            elsewhere = _run_with_pid(instance, worker.pid, "another-host")
            assert launcher.check_run_worker_health(elsewhere).status == WorkerStatus.RUNNING
        finally:
            worker.kill()
