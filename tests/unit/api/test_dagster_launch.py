"""The API's direct launch: the exact GraphQL requests, when it gives up, and that the
complete routes post them only after the upload is committed."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import BackgroundTasks
from fastapi.testclient import TestClient

from reelhouse import keys
from reelhouse.db import Video
from signing_api.dagster_launch import (
    ADD_PARTITION,
    LAUNCH_RUN,
    DagsterLauncher,
    LaunchFailed,
)
from signing_api.deps import Services
from tests.unit.api.conftest import auth, unit_settings

URL = "http://dagster.internal:3000/graphql"
VIDEO = "01JDQ4Z8YJ6M7Q2N3V5W8X9ABC"
SELECTOR = {"repositoryLocationName": "pipelines.definitions",
            "repositoryName": "__repository__"}
ADDED = {"data": {"addDynamicPartition": {"__typename": "AddDynamicPartitionSuccess"}}}
LAUNCHED = {"data": {"launchRun": {"__typename": "LaunchRunSuccess",
                                   "run": {"runId": "8a1c7f0e-run"}}}}

Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _launcher(handler: Handler, clock: Clock | None = None) -> DagsterLauncher:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return DagsterLauncher(URL, "pipelines.definitions", "__repository__", timeout_s=2.0,
                           grace_s=10.0, client=client, clock=clock or Clock())


def _answering(*answers: object, seen: list[httpx.Request]) -> Handler:
    replies = iter(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=next(replies))

    return handle


def test_launch_adds_the_partition_then_starts_the_run_as_the_sensor_would() -> None:
    """Two POSTs to the endpoint, whole bodies pinned: the video's partition of `videos`,
    then process_video_job with the sensor's run key, name tag, partition and version."""
    seen: list[httpx.Request] = []
    run_id = _launcher(_answering(ADDED, LAUNCHED, seen=seen)).launch(VIDEO, 3, deadline=105)
    assert run_id == "8a1c7f0e-run"
    assert [(r.method, str(r.url)) for r in seen] == [("POST", URL), ("POST", URL)]
    assert json.loads(seen[0].content) == {
        "query": ADD_PARTITION,
        "variables": {"repository": SELECTOR, "partitions": "videos", "key": VIDEO}}
    assert json.loads(seen[1].content) == {
        "query": LAUNCH_RUN,
        "variables": {"params": {
            "selector": {**SELECTOR, "jobName": "process_video_job"},
            "executionMetadata": {"tags": [
                {"key": "dagster/partition", "value": VIDEO},
                {"key": "dagster/partition_set", "value": "process_video_job_partition_set"},
                {"key": "reelhouse/upload_version", "value": "3"},
                {"key": "dagster/run_key", "value": f"{VIDEO}:3"},
                {"key": "dagster/sensor_name", "value": "uploads_sensor"}]}}}}
    assert ADD_PARTITION == (
        "mutation AddPartition($repository: RepositorySelector!, $partitions: String!, "
        "$key: String!) { addDynamicPartition(repositorySelector: $repository, "
        "partitionsDefName: $partitions, partitionKey: $key) "
        "{ __typename ... on Error { message } } }")
    assert LAUNCH_RUN == (
        "mutation LaunchRun($params: ExecutionParams!) { launchRun(executionParams: $params) "
        "{ __typename ... on LaunchRunSuccess { run { runId } } ... on Error { message } } }")


def test_a_partition_that_exists_already_is_launched_into() -> None:
    """A re-upload of a known video: Dagster answers DuplicateDynamicPartitionError, and the
    run is launched all the same."""
    duplicate = {"data": {"addDynamicPartition": {
        "__typename": "DuplicateDynamicPartitionError", "message": "already exists"}}}
    seen: list[httpx.Request] = []
    assert _launcher(_answering(duplicate, LAUNCHED, seen=seen)).launch(VIDEO, 2, 105)
    assert len(seen) == 2


@pytest.mark.parametrize(("answers", "reason"), [
    ([{"data": {"addDynamicPartition": {"__typename": "PythonError", "message": "boom"}}}],
     "addDynamicPartition: PythonError: boom"),
    ([ADDED, {"data": {"launchRun": {"__typename": "PipelineNotFoundError",
                                     "message": "Could not find Pipeline"}}}],
     "launchRun: PipelineNotFoundError: Could not find Pipeline"),
    ([{"data": None, "errors": [{"message": "Unknown type 'RepositorySelector'"}]}],
     "addDynamicPartition: no answer: [{'message': \"Unknown type 'RepositorySelector'\"}]"),
])
def test_an_error_answer_fails_the_launch_and_stops(answers: list[object],
                                                    reason: str) -> None:
    """Whatever Dagster answers but success is a LaunchFailed naming the mutation and the
    answer; a failed partition is never followed by a launch into it."""
    seen: list[httpx.Request] = []
    with pytest.raises(LaunchFailed) as failed:
        _launcher(_answering(*answers, seen=seen)).launch(VIDEO, 1, 105)
    assert str(failed.value) == reason
    assert len(seen) == len(answers)


def test_requests_time_out_with_the_deadline_and_none_go_after_it() -> None:
    """Each request waits at most the timeout, and never past the deadline; once it has
    passed nothing is sent (the sensor is about to start the run)."""
    clock = Clock()
    timeouts: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        clock.now += 0.5
        return httpx.Response(200, json=ADDED if len(timeouts) == 1 else LAUNCHED)

    launcher = _launcher(handle, clock)
    launcher.launch(VIDEO, 1, deadline=clock.now + 2.3)
    assert timeouts == [2.0, pytest.approx(1.8)]
    with pytest.raises(LaunchFailed, match="too late"):
        launcher.launch(VIDEO, 1, deadline=clock.now)
    assert len(timeouts) == 2


def test_the_background_launch_logs_an_unreachable_webserver(
        caplog: pytest.LogCaptureFixture) -> None:
    """A webserver that is down costs the uploader nothing: the task logs it (the sensor
    starts the run) and raises nothing; its deadline is half the grace from scheduling."""
    clock = Clock()
    deadlines: list[float] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        deadlines.append(clock.now + request.extensions["timeout"]["read"])
        raise httpx.ConnectError("connection refused")

    tasks = BackgroundTasks()
    _launcher(refuse, clock).schedule(tasks, VIDEO, 4)
    [task] = tasks.tasks
    assert task.args == (VIDEO, 4, 105.0)
    clock.now = 104.5  # the response took a while: half a second left
    with caplog.at_level(logging.WARNING, "signing_api.dagster_launch"):
        task.func(*task.args)
    assert deadlines == [105.0]
    assert caplog.messages == [
        f"run {VIDEO}:4 not launched (the uploads sensor starts it): addDynamicPartition: "
        "ConnectError: connection refused"]


def test_settings_name_the_endpoint_or_turn_the_launch_off(tmp_path: Path) -> None:
    """Default: the local webserver on the Dagster port (loopback when it binds every
    address); a URL set wins; off: no launcher at all."""
    local = DagsterLauncher.from_settings(unit_settings(tmp_path, direct_launch=True,
                                                        dagster_port=3123))
    assert local is not None and local.url == "http://127.0.0.1:3123/graphql"
    assert (local.location, local.repository, local.timeout_s, local.grace_s) == (
        "pipelines.definitions", "__repository__", 5.0, 20.0)
    opened = DagsterLauncher.from_settings(unit_settings(tmp_path, direct_launch=True,
                                                         dagster_host="0.0.0.0"))
    assert opened is not None and opened.url == "http://127.0.0.1:3000/graphql"
    named = DagsterLauncher.from_settings(unit_settings(
        tmp_path, direct_launch=True, dagster_graphql_url="http://dagster-webserver/graphql",
        dagster_location="reelhouse", launch_grace_s=4))
    assert named is not None and (named.url, named.location, named.grace_s) == (
        "http://dagster-webserver/graphql", "reelhouse", 4)
    assert DagsterLauncher.from_settings(unit_settings(tmp_path, direct_launch=False)) is None


@pytest.fixture
def launched(services: Services) -> Iterator[list[tuple[str, str, int]]]:
    """The app's launcher swapped for one whose webserver records, at each request, the
    mutation, the video's status and its upload version as the database has them then."""
    seen: list[tuple[str, str, int]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        video_id = variables.get("key") or variables["params"]["executionMetadata"]["tags"][0][
            "value"]
        with services.db.session() as session:
            video = session.get(Video, video_id)
            assert video is not None
            seen.append(("launchRun" if "params" in variables else "addDynamicPartition",
                         video.status, video.upload_version))
        return httpx.Response(200, json=LAUNCHED if "params" in variables else ADDED)

    services.launcher = _launcher(handle)
    try:
        yield seen
    finally:
        services.launcher = None


def test_complete_launches_once_after_its_commit(client: TestClient, make_user,
                                                 services: Services,
                                                 launched: list[tuple[str, str, int]]) -> None:
    """Completing an upload posts the partition and the run once, after the row is
    committed as `uploaded`; answering a repeated complete launches nothing more."""
    _, token = make_user()
    body = {"filename": "clip.mp4", "size": 5, "content_type": "video/mp4", "title": "Clip"}
    video_id = client.post("/api/v1/uploads", json=body, headers=auth(token)).json()["video_id"]
    services.storage.put_bytes(keys.source_key(video_id), b"bytes", "video/mp4")
    done = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert done.status_code == 200, done.text
    assert launched == [("addDynamicPartition", "uploaded", 1), ("launchRun", "uploaded", 1)]
    again = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert again.status_code == 200 and len(launched) == 2


def test_a_starter_register_launches_too(client: TestClient, make_user, services: Services,
                                         launched: list[tuple[str, str, int]]) -> None:
    """The starter contract's register completes an upload the same way, launch included."""
    _, token = make_user()
    key = client.post("/api/videos/presign-upload/", headers=auth(token),
                      json={"filename": "a.mov", "content_type": "video/quicktime"}
                      ).json()["s3_key"]
    services.storage.put_bytes(key, b"movie", "video/quicktime")
    registered = client.post("/api/videos/", headers=auth(token),
                             json={"title": "A", "description": "", "s3_key": key})
    assert registered.status_code == 201, registered.text
    assert launched == [("addDynamicPartition", "uploaded", 1), ("launchRun", "uploaded", 1)]


def test_a_refused_complete_launches_nothing(client: TestClient, make_user,
                                             launched: list[tuple[str, str, int]]) -> None:
    """A complete answered 409 (nothing uploaded yet) starts no run."""
    _, token = make_user()
    body = {"filename": "clip.mp4", "size": 5, "content_type": "video/mp4", "title": "Clip"}
    video_id = client.post("/api/v1/uploads", json=body, headers=auth(token)).json()["video_id"]
    refused = client.post(f"/api/v1/uploads/{video_id}/complete", headers=auth(token))
    assert refused.status_code == 409 and launched == []
