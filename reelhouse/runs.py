"""The names a completed upload's Dagster run goes by: the uploads sensor and the API's direct
launch both give a run exactly these, so Dagster starts each upload version once.

Plain strings, so the API needs no Dagster import; tests/unit/test_runs.py checks them
against Dagster's own constants and our definitions.
"""

from __future__ import annotations

JOB = "process_video_job"
PARTITIONS = "videos"
SENSOR = "uploads_sensor"

# Dagster's tags (dagster._core.storage.tags): the sensor daemon skips a run request whose
# run key a run of the same sensor (by name tag) in the same repository already carries.
PARTITION_TAG = "dagster/partition"
# Dagster puts the job's partition set on a partitioned run it resolves (its runs table
# indexes it; re-execution of a partition needs it).
PARTITION_SET_TAG = "dagster/partition_set"
PARTITION_SET = f"{JOB}_partition_set"
RUN_KEY_TAG = "dagster/run_key"
SENSOR_NAME_TAG = "dagster/sensor_name"
UPLOAD_VERSION_TAG = "reelhouse/upload_version"


def run_key(video_id: str, upload_version: int) -> str:
    """One run per completed upload: a new upload of the same video gets a new key."""
    return f"{video_id}:{upload_version}"


def launch_tags(video_id: str, upload_version: int) -> dict[str, str]:
    """The tags a run of the uploads sensor carries (but its tick id), for a run started
    elsewhere that the sensor must take as its own."""
    return {PARTITION_TAG: video_id, PARTITION_SET_TAG: PARTITION_SET,
            UPLOAD_VERSION_TAG: str(upload_version),
            RUN_KEY_TAG: run_key(video_id, upload_version), SENSOR_NAME_TAG: SENSOR}
