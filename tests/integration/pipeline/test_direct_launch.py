"""The API's direct launch against a real Dagster webserver and daemon: one run per upload
version, whether the API or (with GraphQL down) the uploads sensor starts it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import dagster as dg
import httpx
import pytest
from fastapi.testclient import TestClient

from reelhouse import runs
from reelhouse.config import Settings
from reelhouse.dagster_instance import write_instance
from reelhouse.ports import free_port
from reelhouse.stack import Supervisor, daemon_service, init_dagster_storage, webserver_service
from signing_api.app import create_app
from tests import helpers

pytestmark = pytest.mark.integration

# The API's attempt gets half of it: a cold launchRun on a loaded machine took over 2 s.
GRACE_S = 10.0
TICK = "dagster/tick"
# Dagster's instance tags every run it creates with its code location, whoever launches it.
LOCATION = {"dagster/code_location": "pipelines.definitions"}
LOADED = ("query { workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
          "locationOrLoadError { __typename } } } } }")


@dataclass
class Dagster:
    """A webserver and a daemon over one instance whose queue never launches runs."""

    settings: Settings
    instance: dg.DagsterInstance


def _wait(condition: Callable[[], object], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def _location_loaded(url: str) -> bool:
    try:
        entries = httpx.post(url, json={"query": LOADED}, timeout=5).json()[
            "data"]["workspaceOrError"]["locationEntries"]
    except (httpx.HTTPError, KeyError, TypeError):
        return False
    return any(e["name"] == "pipelines.definitions" and e["loadStatus"] == "LOADED"
               and e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
               for e in entries)


@pytest.fixture(scope="module")
def dagster(pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Dagster]:
    """Runs stay QUEUED, so each video stays `uploaded` and the sensor asks for its run at
    every tick once the grace is over: the dedupe is exercised on every tick."""
    settings = pipeline_settings.model_copy(update={
        "direct_launch": True, "launch_grace_s": GRACE_S, "dagster_port": free_port()})
    root = tmp_path_factory.mktemp("direct-launch")
    home = write_instance(settings, root / "dagster", max_concurrent_runs=0)
    supervisor = Supervisor(root / "logs")
    init_dagster_storage(settings, home)  # else the two create its tables at once
    services = [daemon_service(settings, home), webserver_service(settings, home)]
    try:
        for service in services:
            supervisor.launch(service)
        supervisor.wait_ready(services, timeout_s=120)
        _wait(lambda: _location_loaded(settings.dagster_graphql), "the code location")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield Dagster(settings, instance)
    finally:
        supervisor.stop(grace_s=5)


def _complete_upload(settings: Settings) -> tuple[str, float]:
    """Upload a few bytes through the API and complete it: the video id and the moment the
    complete answered (its background launch, if any, has run by then)."""
    with helpers.cheap_password_hashing():
        app = create_app(settings)
        _user, token = helpers.add_user(app.state.services.db, f"launch{time.monotonic_ns()}")
    client, headers = TestClient(app), {"Authorization": f"Token {token}"}
    data = b"not really a video"
    out = client.post("/api/v1/uploads", headers=headers, json={
        "filename": "clip.mp4", "size": len(data), "content_type": "video/mp4"}).json()
    put = out["put"]
    assert httpx.request(put["method"], put["url"], headers=put["headers"],
                         content=data).status_code == 200
    done = client.post(f"/api/v1/uploads/{out['video_id']}/complete", headers=headers)
    assert done.status_code == 200, done.text
    return out["video_id"], time.time()


def _runs(instance: dg.DagsterInstance, video_id: str) -> list[dg.DagsterRun]:
    key = runs.run_key(video_id, 1)
    return list(instance.get_runs(filters=dg.RunsFilter(tags={runs.RUN_KEY_TAG: key})))


def _sensor_saw(instance: dg.DagsterInstance, video_id: str, after: float) -> bool:
    """Whether an uploads_sensor tick that began after `after` requested the video's key."""
    key = runs.run_key(video_id, 1)
    for state in instance.all_instigator_state():
        if state.instigator_name == runs.SENSOR:
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id,
                                       after=after, limit=20)
            return any(key in tick.run_keys for tick in ticks)
    return False


def test_complete_launches_one_run_the_sensor_keeps_to(dagster: Dagster,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """The run exists when complete has answered, with exactly the sensor's tags; the
    sensor's ticks after the grace ask for the same key, and no second run appears."""
    with caplog.at_level(logging.WARNING, "signing_api.dagster_launch"):
        video_id, answered = _complete_upload(dagster.settings)
    assert caplog.messages == []
    [run] = _runs(dagster.instance, video_id)
    assert run.job_name == runs.JOB
    assert run.tags == {**runs.launch_tags(video_id, 1), **LOCATION}  # no tick: the API's
    assert run.status == dg.DagsterRunStatus.QUEUED
    assert dagster.instance.has_dynamic_partition(runs.PARTITIONS, video_id)
    _wait(lambda: _sensor_saw(dagster.instance, video_id, answered + GRACE_S),
          "a sensor tick that requested the run key")
    assert [r.run_id for r in _runs(dagster.instance, video_id)] == [run.run_id]


def test_sensor_backstops_when_graphql_is_down(dagster: Dagster,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """With the API's endpoint refusing connections, complete still answers; the failure is
    logged and the sensor starts the one run after the grace, with the same tags (plus its
    tick's)."""
    down = dagster.settings.model_copy(update={
        "dagster_graphql_url": f"http://127.0.0.1:{free_port()}/graphql"})
    with caplog.at_level(logging.WARNING, "signing_api.dagster_launch"):
        video_id, answered = _complete_upload(down)
    assert any(f"run {video_id}:1 not launched" in m for m in caplog.messages)
    assert _runs(dagster.instance, video_id) == []
    _wait(lambda: _runs(dagster.instance, video_id), "the sensor's run")
    started = time.time() - answered
    [run] = _runs(dagster.instance, video_id)
    assert TICK in run.tags
    assert {k: v for k, v in run.tags.items() if k != TICK} == {
        **runs.launch_tags(video_id, 1), **LOCATION}
    assert started >= GRACE_S - 0.5  # uploaded_at is a moment before complete answered
    later = time.time()
    _wait(lambda: _sensor_saw(dagster.instance, video_id, later),
          "a later tick that requested the run key again")
    assert [r.run_id for r in _runs(dagster.instance, video_id)] == [run.run_id]

