"""The one place that assembles Reelhouse's Dagster definitions (loaded by workspace.yaml)."""

from collections.abc import Mapping

import dagster as dg

from assets.catalog import catalog_renditions, catalog_thumbnails, catalog_videos
from assets.compaction import compacted_catalog
from assets.database import DatabaseResource
from assets.hls import hls_renditions
from assets.partitions import videos_partitions
from assets.progressive import progressive_mp4
from assets.quality import rendition_quality
from assets.release import published_media
from assets.resources import MediaResource, ReelhouseConfig, StorageResource
from assets.source import source_probe
from assets.step_io import StepIO
from assets.thumbnails import thumbnails
from pipelines.checks import hls_durations_match, hls_master_complete, poster_present
from pipelines.jobs import (
    catalog_compaction_job,
    process_video_job,
    reprocess_job,
    storage_sweep_job,
)
from pipelines.schedules import catalog_compaction_schedule, storage_sweep_schedule
from pipelines.sensors import processing_failure_sensor, uploads_sensor
from pipelines.sweep import media_sweep_sensor
from reelhouse.celery_config import celery_config
from reelhouse.config import ProfileSettings, Settings, load_profile

__all__ = ["build_defs", "defs", "executor_for", "resources_for", "videos_partitions"]

ASSETS = [source_probe, hls_renditions, thumbnails, progressive_mp4, published_media,
          rendition_quality, catalog_renditions, catalog_thumbnails, catalog_videos,
          compacted_catalog]
CHECKS = [hls_master_complete, hls_durations_match, poster_present]


def resources_for(settings: Settings | None = None) -> dict[str, object]:
    """Our resources over one `ReelhouseConfig`: settings from the environment when a run
    starts (secrets as EnvVars), or pinned to `settings`."""
    config = (ReelhouseConfig.pinned(settings) if settings is not None
              else ReelhouseConfig.from_environment())
    storage = StorageResource(reelhouse=config)
    return {"reelhouse": config, "storage": storage,
            "database": DatabaseResource(reelhouse=config),
            "media": MediaResource(reelhouse=config),
            # What one step hands the next (hls_renditions' steps), in the bucket.
            "io_manager": StepIO(storage=storage)}


def executor_for(settings: ProfileSettings) -> dg.ExecutorDefinition:
    """How a run executes its steps, chosen by the profile when the code loads.

    Embedded: one process per run, so a video's steps skip a Python start-up each (ffmpeg
    uses the cores anyway). Cluster: each step is a Celery task any `reelhouse worker` may
    take; steps share nothing but storage and the database, so that is always correct.
    """
    if settings.profile != "cluster":
        return dg.in_process_executor
    from dagster_celery import celery_executor

    return celery_executor.configured(celery_config(settings), name="celery")


def build_defs(resources: Mapping[str, object] | None = None,
               settings: ProfileSettings | None = None) -> dg.Definitions:
    """Everything, with resources from the environment (or `resources`, for tests/tools)
    and the executor of `settings`' profile (default: the environment's)."""
    return dg.Definitions(
        assets=ASSETS, asset_checks=CHECKS,
        jobs=[process_video_job, reprocess_job, catalog_compaction_job, storage_sweep_job],
        sensors=[uploads_sensor, processing_failure_sensor, media_sweep_sensor],
        schedules=[catalog_compaction_schedule, storage_sweep_schedule],
        resources=dict(resources) if resources is not None else resources_for(),
        executor=executor_for(settings or load_profile()),
    )


defs = build_defs()
