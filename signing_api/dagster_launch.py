"""Start a completed upload's run at once: `addDynamicPartition`, then `launchRun`, posted to
the Dagster webserver's GraphQL endpoint, the run carrying the uploads sensor's run key and tags.

The uploads sensor is the backstop. It leaves an upload alone for `launch_grace_s` after it
completed; from then on it requests the run, and Dagster drops that request when a run of the
sensor's (by its name tag) already carries the key. Dagster's launchRun checks no run key, so
our launch must land within the grace: it is tried during its first half only (each request's
timeout ends there), and a failure is logged, never shown to the uploader.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import BackgroundTasks

from reelhouse import runs
from reelhouse.config import Settings
from reelhouse.errors import ReelhouseError

log = logging.getLogger("signing_api.dagster_launch")

ADD_PARTITION = (
    "mutation AddPartition($repository: RepositorySelector!, $partitions: String!, "
    "$key: String!) { addDynamicPartition(repositorySelector: $repository, "
    "partitionsDefName: $partitions, partitionKey: $key) "
    "{ __typename ... on Error { message } } }")
LAUNCH_RUN = (
    "mutation LaunchRun($params: ExecutionParams!) { launchRun(executionParams: $params) "
    "{ __typename ... on LaunchRunSuccess { run { runId } } ... on Error { message } } }")
# A partition that exists (a re-upload of the video, or the sensor added it) is as good.
PARTITION_ADDED = ("AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError")
RUN_LAUNCHED = ("LaunchRunSuccess",)


class LaunchFailed(ReelhouseError, RuntimeError):
    """Dagster did not take the launch: unreachable, too slow, or it answered an error."""


@dataclass
class DagsterLauncher:
    """One Dagster webserver's GraphQL endpoint and the repository process_video_job is in."""

    url: str
    location: str
    repository: str
    timeout_s: float
    grace_s: float
    client: httpx.Client = field(default_factory=httpx.Client)
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_settings(cls, settings: Settings) -> DagsterLauncher | None:
        """The launcher `settings` name; None when direct launch is off."""
        if not settings.direct_launch:
            return None
        return cls(settings.dagster_graphql, settings.dagster_location,
                   settings.dagster_repository, settings.launch_timeout_s,
                   settings.launch_grace_s)

    def _selector(self) -> dict[str, str]:
        return {"repositoryLocationName": self.location, "repositoryName": self.repository}

    def add_partition_request(self, video_id: str) -> dict[str, Any]:
        """The GraphQL request that adds the video's partition."""
        return {"query": ADD_PARTITION, "variables": {
            "repository": self._selector(), "partitions": runs.PARTITIONS, "key": video_id}}

    def launch_run_request(self, video_id: str, upload_version: int) -> dict[str, Any]:
        """The GraphQL request that starts the run of one upload version, as the sensor's."""
        tags = runs.launch_tags(video_id, upload_version)
        return {"query": LAUNCH_RUN, "variables": {"params": {
            "selector": {**self._selector(), "jobName": runs.JOB},
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]}}}}

    def launch(self, video_id: str, upload_version: int, deadline: float) -> str:
        """Add the partition and start the run before `deadline` (of `clock`): its run id."""
        self._post(self.add_partition_request(video_id), "addDynamicPartition",
                   PARTITION_ADDED, deadline)
        answer = self._post(self.launch_run_request(video_id, upload_version), "launchRun",
                            RUN_LAUNCHED, deadline)
        return str(answer["run"]["runId"])

    def _post(self, body: dict[str, Any], name: str, ok: tuple[str, ...],
              deadline: float) -> dict[str, Any]:
        left = min(self.timeout_s, deadline - self.clock())
        if left <= 0:
            raise LaunchFailed(f"{name}: too late, the uploads sensor's grace is running out")
        try:
            response = self.client.post(self.url, json=body, timeout=left)
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise LaunchFailed(f"{name}: {type(e).__name__}: {e}") from e
        answer = (payload.get("data") or {}).get(name) if isinstance(payload, dict) else None
        if not isinstance(answer, dict):
            errors = payload.get("errors") if isinstance(payload, dict) else payload
            raise LaunchFailed(f"{name}: no answer: {str(errors)[:300]}")
        if answer.get("__typename") not in ok:
            raise LaunchFailed(f"{name}: {answer.get('__typename')}: "
                               f"{str(answer.get('message', ''))[:300]}")
        return answer

    def schedule(self, tasks: BackgroundTasks, video_id: str, upload_version: int) -> None:
        """Launch after the response, for an upload whose completion was just committed."""
        tasks.add_task(self._launch_logged, video_id, upload_version,
                       self.clock() + self.grace_s / 2)

    def _launch_logged(self, video_id: str, upload_version: int, deadline: float) -> None:
        key = runs.run_key(video_id, upload_version)
        try:
            run_id = self.launch(video_id, upload_version, deadline)
        except LaunchFailed as e:
            log.warning("run %s not launched (the uploads sensor starts it): %s", key, e)
            return
        log.info("run %s launched: %s", key, run_id)
