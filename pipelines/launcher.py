"""The run launcher `reelhouse up` configures: Dagster's default one (a run is a process of
the code server on this host) that can also tell when that process is gone.

Dagster's DefaultRunLauncher has no health check, so a run whose process is killed (kill -9,
the out-of-memory killer, a crashed host process) stays STARTED for ever and its video
`processing`. With this launcher the run-monitoring daemon notices within its poll interval,
marks the run failed, and run retries start it again from the failed step.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, WorkerStatus
from dagster._core.launcher.default_run_launcher import DefaultRunLauncher

HOST_TAG = "reelhouse/run-host"
STARTED = "Started process for run (pid: "


def process_alive(pid: int, started_before: float | None = None) -> bool:
    """Whether `pid` is a live (not zombie) process that began no later than `started_before`
    (a Unix time): a pid reused by a newer process is not the run's."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: existence is all we can tell
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if fields[0] in ("Z", "X"):
        return False
    if started_before is not None and _started_at(fields) > started_before + 2:
        return False  # a newer process under a reused pid (start times round to clock ticks)
    return True


def _started_at(fields: list[str]) -> float:
    """A process's start as a Unix time, from the fields of /proc/<pid>/stat after its name."""
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                if line.startswith("btime "))
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


class LocalRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher plus `check_run_worker_health` from the run's own pid event."""

    def launch_run(self, context: LaunchRunContext) -> None:
        # The pid the run reports means something only on the host that started it.
        self._instance.add_run_tags(context.dagster_run.run_id, {HOST_TAG: socket.gethostname()})
        super().launch_run(context)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        if run.tags.get(HOST_TAG) != socket.gethostname():
            # Another host's process (or a run from before this launcher): cannot tell.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not started on this host")
        started = self._run_worker(run.run_id)
        if started is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run process has not reported")
        pid, at = started
        if process_alive(pid, started_before=at):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED,
                                    f"the run's process (pid {pid}) is gone")

    def _run_worker(self, run_id: str) -> tuple[int, float] | None:
        """The pid the run's process reported when it started (the latest, after a resume)."""
        records = self._instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False, limit=50).records
        for record in records:
            message = record.event_log_entry.message
            if message.startswith(STARTED):
                return int(message[len(STARTED):].rstrip(").")), record.event_log_entry.timestamp
        return None
