"""The one place that assembles Reelhouse's Dagster definitions (loaded by workspace.yaml)."""

from collections.abc import Mapping

import dagster as dg

from assets.catalog import catalog_renditions, catalog_thumbnails, catalog_videos
from assets.hls import hls_renditions
from assets.progressive import progressive_mp4
from assets.quality import rendition_quality
from assets.source import source_probe
from assets.thumbnails import thumbnails
from pipelines.checks import hls_durations_match, hls_master_complete, poster_present
from pipelines.database import DatabaseResource
from pipelines.jobs import catalog_compaction_job, process_video_job, reprocess_job
from pipelines.partitions import videos_partitions
from pipelines.resources import MediaResource, SettingsResource, StorageResource, overrides_for
from pipelines.schedules import catalog_compaction_schedule
from pipelines.sensors import processing_failure_sensor, uploads_sensor
from reelhouse.config import Settings

__all__ = ["build_defs", "defs", "resources_for", "videos_partitions"]

ASSETS = [source_probe, hls_renditions, thumbnails, progressive_mp4, rendition_quality,
          catalog_renditions, catalog_thumbnails, catalog_videos]
CHECKS = [hls_master_complete, hls_durations_match, poster_present]


def resources_for(settings: Settings | None = None) -> dict[str, SettingsResource]:
    """Our resources, reading settings when a run starts (or pinned to `settings`)."""
    overrides = overrides_for(settings) if settings is not None else {}
    return {"storage": StorageResource(overrides=overrides),
            "database": DatabaseResource(overrides=overrides),
            "media": MediaResource(overrides=overrides)}


def build_defs(resources: Mapping[str, object] | None = None) -> dg.Definitions:
    """Everything, with resources from the environment (or `resources`, for tests/tools)."""
    return dg.Definitions(
        assets=ASSETS, asset_checks=CHECKS,
        jobs=[process_video_job, reprocess_job, catalog_compaction_job],
        sensors=[uploads_sensor, processing_failure_sensor],
        schedules=[catalog_compaction_schedule],
        resources=dict(resources) if resources is not None else resources_for(),
        # One process per run: a video's steps share its scratch files (the source is
        # downloaded once) and skip a Python start-up each; ffmpeg uses the cores anyway.
        executor=dg.in_process_executor,
    )


defs = build_defs()
