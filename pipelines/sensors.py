"""Sensors: completed uploads become runs; runs that die mark their video failed."""


import dagster as dg

from assets.database import DatabaseResource
from assets.partitions import videos_partitions
from pipelines.jobs import process_video_job
from reelhouse.keys import check_video_id
from reelhouse.records import VideoStatus
from reelhouse.runs import PARTITION_TAG, SENSOR, UPLOAD_VERSION_TAG, run_key

MAX_PER_TICK = 200
WILL_RETRY_TAG = "dagster/will_retry"
STOPPED_REASON = "processing stopped unexpectedly; an operator can reprocess the video"

# A tick is one indexed query on the API database, so ticking often is cheap. The stock
# daemon evaluates sensors every 5 s at most anyway; the API's direct launch is what starts
# a run at once, this sensor is the backstop.
UPLOADS_INTERVAL_S = 1


@dg.sensor(name=SENSOR, job=process_video_job, minimum_interval_seconds=UPLOADS_INTERVAL_S,
           default_status=dg.DefaultSensorStatus.RUNNING)
def uploads_sensor(context: dg.SensorEvaluationContext,
                   database: DatabaseResource) -> dg.SensorResult | dg.SkipReason:
    """Videos the API marked `uploaded` -> a partition each and one run per upload version.

    No cursor: the API database says what is waiting, and Dagster starts a run key only
    once, so a request repeated while the run is queued is dropped. (S3 LastModified
    cursors would skip multipart uploads that started before the cursor and ended after.)
    With direct launch on, an upload is left to the API for `launch_grace_s`: Dagster drops
    a request whose run key a run already has, but nothing stops the API's launchRun from
    making a second run of a key this sensor has just requested.
    """
    settings = database.settings
    grace_s = settings.launch_grace_s if settings.direct_launch else 0.0
    pending = []
    for video_id, version in database.uploaded(MAX_PER_TICK, settled_s=grace_s):
        try:
            pending.append((check_video_id(video_id), version))
        except ValueError:
            context.log.warning(f"skipping a video whose id is not a ULID: {video_id[:40]!r}")
    if not pending:
        return dg.SkipReason("no completed uploads waiting (but those left to the API's launch)")
    new = [v for v, _ in pending
           if not context.instance.has_dynamic_partition(videos_partitions.name, v)]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key(v, n), partition_key=v,
                                    tags={UPLOAD_VERSION_TAG: str(n)}) for v, n in pending],
        dynamic_partitions_requests=[videos_partitions.build_add_request(new)] if new else [])


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
def processing_failure_sensor(context: dg.RunFailureSensorContext,
                              database: DatabaseResource) -> None:
    """A run that crashed, was killed or failed a blocking check leaves its video `failed`
    (never `processing` forever), unless a newer upload or a finished run moved it on."""
    tags = context.dagster_run.tags
    video_id = tags.get(PARTITION_TAG)
    if not video_id or tags.get(WILL_RETRY_TAG) == "true":
        return  # a run whose process died is started again (run retries): not failed yet
    version = tags.get(UPLOAD_VERSION_TAG)
    # A sensor run that died before its first step leaves its upload `uploaded`; a manual
    # run (no upload version) must not touch a video waiting for a newer upload's run.
    waiting = (VideoStatus.PROCESSING, VideoStatus.UPLOADED) if version \
        else (VideoStatus.PROCESSING,)
    if database.set_status(video_id, VideoStatus.FAILED, STOPPED_REASON, only_from=waiting,
                           upload_version=int(version) if version else None):
        context.log.info(f"marked {video_id} failed after run {context.dagster_run.run_id}")
