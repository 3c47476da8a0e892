"""A `reelhouse up` per fault test, with crash points armable (reelhouse.faults) and the
processes of each part findable, so a test can kill -9 one at the moment it names."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import httpx
import psutil
import pytest

from reelhouse.client import Client
from reelhouse.faults import FAULT_DIR_ENV, arm, fired
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.samples import make_test_clip
from reelhouse.records import VideoStatus
from tests.stack_process import ADMIN_PASSWORD, StackProcess

# Each part of the embedded stack by what its command line holds.
PARTS = {"api": "signing_api.app", "daemon": "pipelines.daemon", "s3": "weed mini",
         "webserver": "dagster_webserver", "dashboard": "panel"}


@dataclass
class FaultStack:
    """A running stack, where its crash points are armed, and ways to hurt and watch it."""

    stack: StackProcess
    faults: Path

    def client(self) -> Client:
        api = Client(self.stack.settings.api_url)
        api.login("admin", ADMIN_PASSWORD)
        return api

    def arm(self, name: str) -> None:
        arm(self.faults, name)

    def wait_fired(self, name: str, timeout_s: float = 120) -> None:
        wait_for(lambda: fired(self.faults, name), timeout_s, f"crash point {name}")

    def processes(self, part: str) -> list[psutil.Process]:
        """The live processes of `part` (its own, not its children's)."""
        assert self.stack.proc is not None
        found = []
        for child in psutil.Process(self.stack.proc.pid).children(recursive=True):
            try:
                if PARTS[part] in " ".join(child.cmdline()) and child.status() != "zombie":
                    found.append(child)
            except psutil.NoSuchProcess:
                continue
        return [p for p in found if not any(q.pid == p.ppid() for q in found)]

    def kill(self, part: str) -> int:
        """kill -9 the part's main process; its pid."""
        (process,) = self.processes(part)
        process.kill()
        process.wait(10)
        return process.pid

    def wait_restarted(self, part: str, old_pid: int, timeout_s: float = 120) -> None:
        """Until the stack has started `part` again and it answers (the API: /api/health)."""
        wait_for(lambda: [p.pid for p in self.processes(part)] not in ([], [old_pid]),
                 timeout_s, f"{part} started again")
        if part == "api":
            wait_for(lambda: _answers(f"{self.stack.settings.api_url}/api/health"), timeout_s,
                     "the API answering")

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.stack.state_dir / "dagster"))

    def runs(self, video_id: str) -> list[dg.DagsterRun]:
        with self.instance() as instance:
            return list(instance.get_runs(dg.RunsFilter(tags={"dagster/partition": video_id})))

    def run_pid(self, run_id: str) -> int | None:
        """The pid a run's process reported when it started."""
        from pipelines.launcher import LocalRunLauncher

        with self.instance() as instance:
            launcher = instance.run_launcher
            assert isinstance(launcher, LocalRunLauncher)
            started = launcher._run_worker(run_id)
        return started[0] if started else None


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def wait_for(condition: Callable[[], object], timeout_s: float, what: str,
             step_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(step_s)


def wait_final(api: Client, video_id: str, timeout_s: float = 420) -> VideoStatus:
    """Until the video is `ready` or `failed`; `processing` for ever is the bug we hunt."""
    final = (VideoStatus.READY, VideoStatus.FAILED)
    wait_for(lambda: api.video(video_id).status in final, timeout_s,
             f"{video_id} to end ready or failed", step_s=1)
    return api.video(video_id).status


def assert_plays(api: Client, video_id: str) -> None:
    """ffmpeg plays the first second of the master the API signs, as a player would."""
    master = api.playback(video_id).hls
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-v", "error", "-protocol_whitelist",
                "http,tcp,file,crypto", "-i", master, "-t", "1", "-f", "null", "-"],
               timeout_s=120)


@pytest.fixture(scope="session")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    """One stack for every fault test (each uses videos of its own, and each part it kills
    is started again): its start-up is paid once."""
    tmp_path = tmp_path_factory.mktemp("faults")
    faults = tmp_path / "faults"
    faults.mkdir()
    # 5 MiB parts (S3's least): a test's upload of a few MiB goes up in several parts.
    stack = StackProcess.on_free_ports(tmp_path / "state", REELHOUSE_SEED_SAMPLE="false",
                                       REELHOUSE_PART_SIZE_BYTES=str(5 * 1024 * 1024),
                                       **{FAULT_DIR_ENV: str(faults)})
    stack.start()
    try:
        yield FaultStack(stack, faults)
    finally:
        left = stack.stop()
        assert not left, f"left running: {left}"


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 s of 640x360: long enough that a test can act while it is transcoded."""
    return make_test_clip(tmp_path_factory.mktemp("clips") / "fault.mp4", seconds=12,
                          width=640, height=360)
