"""The uploads sensor under a real `dagster-daemon`: one run per (video, upload version)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import update

from assets.common import UPLOAD_VERSION_TAG
from reelhouse.config import Settings
from reelhouse.dagster_instance import write_instance
from reelhouse.db import Database, Video
from reelhouse.stack import Supervisor, daemon_service
from reelhouse.storage import Storage
from tests.integration.pipeline.conftest import add_video

pytestmark = pytest.mark.integration


@pytest.fixture
def daemon(pipeline_settings: Settings, tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A daemon over workspace.yaml whose queue never launches (runs stay QUEUED)."""
    home = write_instance(pipeline_settings, tmp_path / "dagster", max_concurrent_runs=0)
    supervisor = Supervisor(tmp_path / "logs")
    supervisor.start(daemon_service(pipeline_settings, home))
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance
    finally:
        supervisor.stop(grace_s=5)


def _runs(instance: dg.DagsterInstance, video_id: str) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": video_id})))


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def test_one_run_per_upload_version(daemon: dg.DagsterInstance, pipeline_settings: Settings,
                                    storage: Storage) -> None:
    """Each uploaded video gets its partition and exactly one run, however many ticks see it;
    a new upload of the same video (upload_version + 1) gets exactly one more."""
    first = add_video(pipeline_settings, storage, None)
    _wait(lambda: len(_runs(daemon, first)) >= 1, "the first run")
    assert daemon.has_dynamic_partition("videos", first)

    # A later tick has certainly run once it has picked up a second upload.
    second = add_video(pipeline_settings, storage, None)
    _wait(lambda: len(_runs(daemon, second)) >= 1, "the second video's run")
    time.sleep(6)  # and one more tick, for good measure
    [run] = _runs(daemon, first)
    assert run.job_name == "process_video_job"
    assert run.tags["dagster/run_key"] == f"{first}:1"
    assert run.tags[UPLOAD_VERSION_TAG] == "1"
    assert run.status == dg.DagsterRunStatus.QUEUED

    with Database(pipeline_settings).session() as session:
        session.execute(update(Video).where(Video.id == first).values(upload_version=2))
    _wait(lambda: len(_runs(daemon, first)) >= 2, "the run of the new upload")
    time.sleep(6)
    runs = _runs(daemon, first)
    assert sorted(r.tags["dagster/run_key"] for r in runs) == [f"{first}:1", f"{first}:2"]
    assert len(_runs(daemon, second)) == 1
