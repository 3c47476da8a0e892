"""The sensors' decisions, against a real SQLite API database and an ephemeral instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from assets.common import UPLOAD_VERSION_TAG
from assets.database import DatabaseResource
from assets.resources import ReelhouseConfig
from pipelines.sensors import STOPPED_REASON, processing_failure_sensor, uploads_sensor
from reelhouse.db import Database, User, Video, new_id, utcnow
from tests.helpers import pipeline_database


@pytest.fixture
def database(tmp_path: Path) -> DatabaseResource:
    return pipeline_database(tmp_path)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def _video(database: DatabaseResource, status: str, version: int = 1,
           video_id: str | None = None) -> str:
    video_id = video_id or new_id()
    with database.database().session() as session:
        session.add(Video(id=video_id, owner_id=1, title="t", status=status,
                          upload_version=version))
    return video_id


def _uploaded_ago(database: DatabaseResource, seconds: float) -> str:
    video_id = new_id()
    with database.database().session() as session:
        session.add(Video(id=video_id, owner_id=1, title="t", status="uploaded",
                          upload_version=1, uploaded_at=utcnow() - timedelta(seconds=seconds)))
    return video_id


def _tick(instance: dg.DagsterInstance, database: DatabaseResource
          ) -> dg.SensorResult | dg.SkipReason:
    with dg.build_sensor_context(instance=instance, resources={"database": database}) as context:
        return uploads_sensor(context)


def test_uploaded_videos_each_get_a_partition_and_a_keyed_request(
        instance: dg.DagsterInstance, database: DatabaseResource) -> None:
    """Only `uploaded` videos are requested, keyed by id and upload version, tagged with it."""
    waiting = _video(database, "uploaded", version=3)
    for status in ("uploading", "processing", "ready", "failed"):
        _video(database, status)
    result = _tick(instance, database)
    assert isinstance(result, dg.SensorResult)
    [request] = result.run_requests or []
    assert (request.run_key, request.partition_key) == (f"{waiting}:3", waiting)
    assert request.tags[UPLOAD_VERSION_TAG] == "3"
    [add] = result.dynamic_partitions_requests or []
    assert (add.partitions_def_name, list(add.partition_keys)) == ("videos", [waiting])


def test_known_partitions_are_not_added_again(instance: dg.DagsterInstance,
                                              database: DatabaseResource) -> None:
    """A re-upload of a known video is requested again, with no partition request."""
    video_id = _video(database, "uploaded", version=2)
    instance.add_dynamic_partitions("videos", [video_id])
    result = _tick(instance, database)
    assert isinstance(result, dg.SensorResult)
    assert [r.run_key for r in result.run_requests or []] == [f"{video_id}:2"]
    assert not result.dynamic_partitions_requests


def test_nothing_waiting_is_a_skip(instance: dg.DagsterInstance,
                                   database: DatabaseResource) -> None:
    _video(database, "ready")
    assert isinstance(_tick(instance, database), dg.SkipReason)


def test_a_fresh_upload_is_left_to_the_apis_launch_for_the_grace(
        instance: dg.DagsterInstance, database: DatabaseResource) -> None:
    """With direct launch on, an upload completed under `launch_grace_s` (20 s) ago is the
    API's to launch; one older than that is the sensor's."""
    _uploaded_ago(database, 15)
    assert isinstance(_tick(instance, database), dg.SkipReason)
    late = _uploaded_ago(database, 21)
    result = _tick(instance, database)
    assert isinstance(result, dg.SensorResult)
    assert [r.run_key for r in result.run_requests or []] == [f"{late}:1"]


def test_without_direct_launch_a_fresh_upload_is_requested_at_once(
        instance: dg.DagsterInstance, tmp_path: Path) -> None:
    database = DatabaseResource(reelhouse=ReelhouseConfig(
        database_url=f"sqlite:///{tmp_path / 'api.db'}", state_dir=str(tmp_path),
        direct_launch=False))
    Database(database.settings).upgrade()
    with database.database().session() as session:
        session.add(User(id=1, username="ada", password_hash="-"))
    fresh = _uploaded_ago(database, 0)
    result = _tick(instance, database)
    assert isinstance(result, dg.SensorResult)
    assert [r.run_key for r in result.run_requests or []] == [f"{fresh}:1"]


def test_ids_that_are_not_ulids_are_never_requested(instance: dg.DagsterInstance,
                                                    database: DatabaseResource) -> None:
    """An id that could not be an object key is skipped rather than turned into keys."""
    _video(database, "uploaded", video_id="../../etc/passwd")
    assert isinstance(_tick(instance, database), dg.SkipReason)


def _failed_run(instance: dg.DagsterInstance, tags: dict[str, str]
                ) -> dg.ExecuteInProcessResult:
    @dg.op
    def crash() -> None:
        raise RuntimeError("killed")

    @dg.job
    def doomed() -> None:
        crash()

    return doomed.execute_in_process(instance=instance, tags=tags, raise_on_error=False)


@pytest.mark.parametrize(("status", "db_version", "tags", "expected"), [
    ("processing", 1, {UPLOAD_VERSION_TAG: "1"}, "failed"),
    ("uploaded", 1, {UPLOAD_VERSION_TAG: "1"}, "failed"),  # died before its first step
    ("uploaded", 2, {UPLOAD_VERSION_TAG: "1"}, "uploaded"),  # a newer upload waits
    ("uploaded", 1, {}, "uploaded"),  # a manual run must not fail a waiting upload
    ("processing", 1, {}, "failed"),
    ("ready", 1, {UPLOAD_VERSION_TAG: "1"}, "ready"),
])
def test_failure_sensor_fails_only_the_upload_the_run_was_for(
        status: str, db_version: int, tags: dict[str, str], expected: str,
        instance: dg.DagsterInstance, database: DatabaseResource) -> None:
    """A dead run marks its video failed unless the video finished or moved on."""
    video_id = _video(database, status, version=db_version)
    result = _failed_run(instance, {"dagster/partition": video_id, **tags})
    with dg.build_run_status_sensor_context(
            sensor_name="processing_failure_sensor", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=result.get_run_failure_event(),
            resources={"database": database}) as context:
        processing_failure_sensor(context.for_run_failure())
    video = database.video(video_id)
    assert video is not None and video.status == expected
    assert video.failure_reason == (STOPPED_REASON if expected == "failed" else "")
