"""The run names the sensor and the API share, checked against Dagster and our definitions."""

from __future__ import annotations

from dagster._core.remote_representation.external_data import (
    partition_set_snap_name_for_job_name,
)
from dagster._core.storage import tags as dagster_tags

from pipelines.definitions import defs
from reelhouse import runs


def test_our_copies_of_dagsters_tags_are_dagsters() -> None:
    """A Dagster upgrade that renames the tags the sensor daemon dedupes on fails here,
    loudly, rather than quietly letting the sensor start a second run of each upload."""
    assert runs.PARTITION_TAG == dagster_tags.PARTITION_NAME_TAG
    assert runs.PARTITION_SET_TAG == dagster_tags.PARTITION_SET_TAG
    assert runs.PARTITION_SET == partition_set_snap_name_for_job_name(runs.JOB)
    assert runs.RUN_KEY_TAG == dagster_tags.RUN_KEY_TAG
    assert runs.SENSOR_NAME_TAG == dagster_tags.SENSOR_NAME_TAG


def test_the_names_are_those_of_our_definitions() -> None:
    """Job, sensor and partitions the API names exist, and the sensor targets that job."""
    sensor = defs.resolve_sensor_def(runs.SENSOR)
    assert sensor.job_name == runs.JOB
    job = defs.resolve_job_def(runs.JOB)
    assert job.partitions_def is not None and job.partitions_def.name == runs.PARTITIONS


def test_launch_tags_are_the_sensors_run_key_name_partition_and_version() -> None:
    assert runs.launch_tags("01JDQ4Z8YJ6M7Q2N3V5W8X9ABC", 7) == {
        "dagster/partition": "01JDQ4Z8YJ6M7Q2N3V5W8X9ABC",
        "dagster/partition_set": "process_video_job_partition_set",
        "reelhouse/upload_version": "7",
        "dagster/run_key": "01JDQ4Z8YJ6M7Q2N3V5W8X9ABC:7", "dagster/sensor_name": "uploads_sensor"}
