"""Which media version a step works on: the one its run builds, or the live one it reuses."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from assets.database import DatabaseResource
from assets.facts import facts_key
from reelhouse import keys
from reelhouse.storage import Storage


@dataclass(frozen=True)
class Target:
    """A media version and whether this run builds it (else it is the live one, reused)."""

    version: str
    building: bool


# Set by Dagster on the runs run retries start when a run's process died.
RETRY_TAG = "dagster/retry_number"


def run_version(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext
                | dg.OpExecutionContext) -> str:
    """The version this run writes, the same in every step of it (keys.run_version).

    An automatic retry (its first run's process died) re-executes only the steps that did
    not finish, so it builds into its first run's version, beside what those steps wrote;
    that version was never live (the flip is the last media step). Any other run, a
    manual re-execution included, builds a version of its own.
    """
    return version_of_run(context.instance, context.run)


def version_of_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    """The version `run` writes (see `run_version`)."""
    run_id = run.root_run_id if run.tags.get(RETRY_TAG) and run.root_run_id else run.run_id
    record = instance.get_run_record_by_id(run_id)
    if record is None or record.create_timestamp is None:
        raise dg.Failure(f"run {run_id} has no record", allow_retries=False)
    return keys.run_version(run_id, record.create_timestamp)


def target(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext
           | dg.OpExecutionContext, s3: Storage,
           database: DatabaseResource) -> Target:
    """The version this run built HLS into, else the live one (hls_renditions found it
    current and reused it); a non-retried failure when there is neither."""
    video_id = context.partition_key
    version = run_version(context)
    if s3.exists(facts_key(video_id, "hls", version)):
        return Target(version, building=True)
    live = database.live_version(video_id)
    if live is None:
        raise dg.Failure(f"{video_id} has no media yet: materialize hls_renditions first",
                         allow_retries=False)
    return Target(live, building=False)
