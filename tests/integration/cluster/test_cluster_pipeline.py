"""The cluster profile end to end (`reelhouse up --profile cluster`): PostgreSQL for the API and
Dagster, Redis, the SeaweedFS cluster and two Celery workers in separate processes with
separate scratch dirs; uploads reach `ready`, steps land on both workers, and a worker killed
mid-transcode loses nothing."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psutil
import pytest

from reelhouse import redis_server
from reelhouse.client import Client
from reelhouse.media.samples import make_test_clip
from tests.postgres import Databases, unavailable
from tests.stack_process import ADMIN_PASSWORD, StackProcess

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

WORKERS = ("worker-1", "worker-2")
# Short, so the step a killed worker held is redelivered within the test (steps here take
# seconds; a production setting stays above the longest transcode).
VISIBILITY_TIMEOUT_S = 20
HEAD = "hls_renditions.hls_head"  # a short clip is one chunk: this step encodes it all
SETTLED = {"ready", "failed"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory,
            postgres_databases: Databases) -> Iterator[StackProcess]:
    """A running cluster profile; PostgreSQL from the test server (named by settings, so the
    stack uses it), Redis and storage private to the stack."""
    try:
        redis_server.find_binary()
    except redis_server.RedisUnavailable as e:
        unavailable(str(e))
    state = tmp_path_factory.mktemp("cluster-state")
    stack = StackProcess.on_free_ports(
        state, REELHOUSE_DATABASE_URL=postgres_databases.new(),
        REELHOUSE_DAGSTER_DATABASE_URL=postgres_databases.new(),
        REELHOUSE_CELERY_VISIBILITY_TIMEOUT_S=str(VISIBILITY_TIMEOUT_S),
        REELHOUSE_SEED_SAMPLE="false")
    stack.args = ("up", "--profile", "cluster")
    stack.start(timeout_s=300)
    try:
        yield stack
    finally:
        left = stack.stop()
        assert not left, f"processes left running: {left}"


@pytest.fixture(scope="module")
def client(cluster: StackProcess) -> Iterator[Client]:
    with Client(f"http://127.0.0.1:{cluster.settings.api_port}") as api:
        api.login("admin", ADMIN_PASSWORD)
        yield api


def _instance(stack: StackProcess) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(stack.state_dir / "dagster"))


def _run_id(instance: dg.DagsterInstance, video_id: str) -> str | None:
    runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": video_id}))
    return runs[0].run_id if runs else None


def _step_workers(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    """(step key, Celery worker node) of every step hand-over to a worker, in order."""
    out = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        assert event is not None
        metadata = event.engine_event_data.metadata if event.engine_event_data else {}
        worker = metadata.get("Celery worker")
        if worker is not None and event.step_key:
            out.append((event.step_key, str(worker.value)))
    return out


def _wait(client: Client, video_id: str, timeout_s: float) -> list[str]:
    """Poll the video until it settles; every status it showed on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = str(client.video(video_id).status)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in SETTLED:
            return seen
        time.sleep(1)
    raise AssertionError(f"video {video_id} did not settle in {timeout_s:.0f}s: {seen}")


def _finished(instance: dg.DagsterInstance, run_id: str, timeout_s: float) -> dg.DagsterRun:
    """The run once it has ended (the video is `ready` before the catalog steps finish)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished:
            return run
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s:.0f}s")


def _worker_process(stack: StackProcess, name: str) -> psutil.Process:
    """The running `reelhouse worker --name <name>`: after its exec, the Celery main process
    (`-n <name>@<host>`), leader of its process group."""
    assert stack.proc is not None
    for child in psutil.Process(stack.proc.pid).children(recursive=True):
        try:
            line = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        named = any(arg.startswith(f"{name}@") for arg in line)
        if "worker" in line and named and os.getpgid(child.pid) == child.pid:
            return child
    raise AssertionError(f"no process for {name}")


def _upload(client: Client, tmp_path: Path, seconds: float, width: int, height: int) -> str:
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=seconds, width=width, height=height)
    return client.upload(clip, title="cluster test").id


def test_the_stack_prints_postgres_redis_and_two_workers(cluster: StackProcess) -> None:
    """`up --profile cluster` names the storage cluster, Redis and both workers with their
    own scratch dirs."""
    text = "\n".join(cluster.lines)
    assert "SeaweedFS cluster" in text and "Redis" in text
    for name in WORKERS:
        scratch = cluster.state_dir.resolve() / "workers" / name / "scratch"
        assert f"{name}" in text and str(scratch) in text


def test_upload_reaches_ready_with_steps_on_both_workers(
        cluster: StackProcess, client: Client, tmp_path: Path) -> None:
    """A clip uploaded through the API ends `ready`, and its run's steps were executed by
    both Celery workers (from the run's engine events)."""
    started = time.monotonic()
    video_id = _upload(client, tmp_path, 2, 320, 180)
    seen = _wait(client, video_id, 240)
    assert seen[-1] == "ready", seen
    workers = cluster.settings.cluster_workers
    print(f"cluster pipeline, {workers} worker(s): ready in {time.monotonic() - started:.1f}s")
    with _instance(cluster) as instance:
        run_id = _run_id(instance, video_id)
        assert run_id is not None
        steps = _step_workers(instance, run_id)
    assert {step for step, _ in steps} >= {"source_probe", HEAD, "thumbnails"}
    assert {worker.split("@")[0] for _, worker in steps} == set(WORKERS), steps


def test_a_worker_killed_mid_transcode_loses_nothing(
        cluster: StackProcess, client: Client, tmp_path: Path) -> None:
    """kill -9 of the worker encoding the ladder (one chunk: the head step): the step goes
    back on the queue, runs again, the video ends `ready`, and meanwhile its status never
    claims anything else."""
    video_id = _upload(client, tmp_path, 6, 640, 360)
    victim = None
    deadline = time.monotonic() + 180
    with _instance(cluster) as instance:
        while victim is None and time.monotonic() < deadline:
            run_id = _run_id(instance, video_id)
            held = dict(_step_workers(instance, run_id)) if run_id else {}
            victim = held.get(HEAD)
            time.sleep(0.1)
        assert victim is not None and run_id is not None, f"{HEAD} never started"
        process = _worker_process(cluster, victim.split("@")[0])
        os.killpg(process.pid, signal.SIGKILL)  # the worker and its step's ffmpeg, at once
        seen = _wait(client, video_id, 240)
        assert seen[-1] == "ready", seen
        assert set(seen) <= {"uploaded", "processing", "ready"}, seen
        deliveries = [w for step, w in _step_workers(instance, run_id)
                      if step == HEAD]
        run = _finished(instance, run_id, 180)
    assert len(deliveries) >= 2, deliveries  # the killed one, then the redelivery
    assert run.status == dg.DagsterRunStatus.SUCCESS
