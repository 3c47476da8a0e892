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
from assets.resources import MediaResource, ReelhouseConfig, StorageResource
from assets.source import source_probe
from assets.thumbnails import thumbnails
from pipelines.checks import hls_durations_match, hls_master_complete, poster_present
from pipelines.jobs import catalog_compaction_job, process_video_job, reprocess_job
from pipelines.schedules import catalog_compaction_schedule
from pipelines.sensors import processing_failure_sensor, uploads_sensor
from reelhouse.config import Settings

__all__ = ["build_defs", "defs", "resources_for", "videos_partitions"]

ASSETS = [source_probe, hls_renditions, thumbnails, progressive_mp4, rendition_quality,
          catalog_renditions, catalog_thumbnails, catalog_videos, compacted_catalog]
CHECKS = [hls_master_complete, hls_durations_match, poster_present]


def resources_for(settings: Settings | None = None) -> dict[str, dg.ConfigurableResource]:
    """Our resources over one `ReelhouseConfig`: settings from the environment when a run
    starts (secrets as EnvVars), or pinned to `settings`."""
    config = (ReelhouseConfig.pinned(settings) if settings is not None
              else ReelhouseConfig.from_environment())
    return {"reelhouse": config, "storage": StorageResource(reelhouse=config),
            "database": DatabaseResource(reelhouse=config),
            "media": MediaResource(reelhouse=config)}


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
