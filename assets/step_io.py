"""`StepIO`: what one step hands the next, as JSON in the bucket, so any worker can take
any step (no step reads another's local files or pickles).

A value lies in the version its run builds (`media/{id}/{version}/steps/...`), so it goes
with that version (swept or deleted with the video) and a retried run, which builds into
its first run's version, finds the values of the steps that run finished.
"""

from __future__ import annotations

import json
from typing import Any

import dagster as dg

from assets.resources import StorageResource
from assets.versions import version_of_run
from reelhouse import keys
from reelhouse.errors import ObjectNotFound


def step_value_key(video_id: str, version: str, step_key: str, name: str,
                   mapping_key: str | None = None) -> str:
    """Where a step's output value lies: one object per output (per mapped copy)."""
    leaf = f"{name}.{mapping_key}" if mapping_key else name
    return f"{keys.version_prefix(video_id, version)}steps/{step_key}/{leaf}.json"


class StepIO(dg.ConfigurableIOManager):
    """Step outputs (JSON values: dicts, lists, numbers, None) in the bucket."""

    storage: StorageResource

    def _key(self, instance: dg.DagsterInstance, run_id: str, video_id: str, step_key: str,
             name: str, mapping_key: str | None) -> str:
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise dg.Failure(f"run {run_id} is gone; its step values cannot be found")
        return step_value_key(video_id, version_of_run(instance, run), step_key, name,
                              mapping_key)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        key = self._key(context.step_context.instance, context.run_id, context.partition_key,
                        context.step_key, context.name, context.mapping_key)
        self.storage.client().put_bytes(key, json.dumps(obj).encode(), "application/json",
                                        cache_control="no-cache")

    def load_input(self, context: dg.InputContext) -> Any:
        up = context.upstream_output
        if up is None:
            raise dg.Failure(f"input {context.name} has no upstream step")
        key = self._key(context.instance, up.run_id, context.partition_key, up.step_key,
                        up.name, up.mapping_key)
        try:
            return json.loads(self.storage.client().get_bytes(key))
        except ObjectNotFound as e:
            raise dg.Failure(f"step {up.step_key} left no {up.name} value ({key})") from e
