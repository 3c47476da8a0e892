"""The Dagster definitions load, and every job, sensor and schedule in them resolves."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from assets.resources import ReelhouseConfig
from pipelines.definitions import build_defs, defs
from reelhouse.media.ladder import LADDER_VERSION

JOBS = {"process_video_job", "reprocess_job", "catalog_compaction_job", "storage_sweep_job"}
SENSORS = {"uploads_sensor", "processing_failure_sensor", "media_sweep_sensor"}
SCHEDULES = {"catalog_compaction_schedule": "catalog_compaction_job",
             "storage_sweep_schedule": "storage_sweep_job"}
VIDEO_ASSETS = {"source_probe", "hls_renditions", "thumbnails", "progressive_mp4",
                "published_media", "rendition_quality", "catalog_videos", "catalog_renditions",
                "catalog_thumbnails"}
CATALOG = {"catalog_videos", "catalog_renditions", "catalog_thumbnails"}


def test_definitions_are_loadable() -> None:
    """Dagster's own validation (as the webserver and daemon run it) accepts the code."""
    dg.Definitions.validate_loadable(defs)


def test_every_job_sensor_and_schedule_resolves() -> None:
    """Every job, sensor and schedule resolves by name (STYLE rule 11)."""
    repo = defs.get_repository_def()
    assert {j.name for j in repo.get_all_jobs()} >= JOBS
    for name in JOBS:
        assert defs.resolve_job_def(name).name == name
    assert {s.name for s in repo.sensor_defs} == SENSORS
    for name in SENSORS:
        defs.resolve_sensor_def(name)
    assert {s.name for s in repo.schedule_defs} == set(SCHEDULES)
    for name, job in SCHEDULES.items():
        assert defs.resolve_schedule_def(name).job_name == job


def test_video_jobs_cover_every_asset_and_check_for_one_partition() -> None:
    """Both video jobs run the whole graph (with its checks) on the videos partitions."""
    for name in ("process_video_job", "reprocess_job"):
        job = defs.resolve_job_def(name)
        assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == (
            VIDEO_ASSETS)
        assert {c.name for c in job.asset_layer.asset_graph.asset_check_keys} == {
            "hls_master_complete", "hls_durations_match", "poster_present"}
        assert job.partitions_def is not None and job.partitions_def.name == "videos"


def test_transcodes_and_catalog_writes_each_share_one_pool() -> None:
    """hls_renditions is the one step in the `transcode` pool; the catalog writers and
    compaction share `catalog`, so a compaction never overlaps a write; nothing else waits."""
    graph = defs.resolve_asset_graph()
    pools = {k.to_user_string(): graph.get(k).pools for k in graph.get_all_asset_keys()}
    assert pools.pop("hls_renditions") == {"transcode"}
    assert {name for name, p in pools.items() if p == {"catalog"}} == CATALOG | {
        "compacted_catalog"}
    assert all(not p for name, p in pools.items() if name not in CATALOG | {
        "compacted_catalog"})
    uploads = defs.resolve_sensor_def("uploads_sensor")
    assert uploads.minimum_interval_seconds == 1  # the stock daemon loop (5 s) bounds it
    assert uploads.default_status == dg.DefaultSensorStatus.RUNNING


def test_loading_reads_no_settings() -> None:
    """Importing the code location with an unusable environment still works: settings are
    read when a run starts."""
    env = {"REELHOUSE_S3_PORT": "not a port", "REELHOUSE_STATE_DIR": "/nonexistent/x",
           "PATH": "/usr/bin:/bin"}
    code = "import pipelines.definitions as d; print(len(d.defs.assets))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == "10"


def test_compaction_is_an_asset_downstream_of_every_catalog_table() -> None:
    """The scheduled compaction job materializes compacted_catalog, which the graph puts
    after the three per-video catalog assets."""
    graph = defs.resolve_asset_graph()
    key = dg.AssetKey("compacted_catalog")
    assert {k.to_user_string() for k in graph.get(key).parent_keys} == CATALOG
    job = defs.resolve_job_def("catalog_compaction_job")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {
        "compacted_catalog"}


def test_media_products_carry_the_ladder_version_as_code_version() -> None:
    """Every per-video product but the probe has the ladder version as its code version, so a
    ladder bump shows each processed partition stale in the UI."""
    graph = defs.resolve_asset_graph()
    versions = {name: graph.get(dg.AssetKey(name)).code_version for name in VIDEO_ASSETS}
    assert versions.pop("source_probe") is None
    assert set(versions.values()) == {LADDER_VERSION}


def test_resources_show_typed_config_with_secrets_as_env_vars(monkeypatch) -> None:
    """The Dagster UI sees the settings as typed fields; a secret present in the environment
    is an EnvVar there, never its value."""
    monkeypatch.setenv("REELHOUSE_S3_SECRET_ACCESS_KEY", "do-not-show")
    resources = build_defs().resources
    config = resources["reelhouse"]
    assert isinstance(config, ReelhouseConfig)
    assert config.s3_secret_access_key == dg.EnvVar("REELHOUSE_S3_SECRET_ACCESS_KEY")
    assert resources["storage"].reelhouse is config  # type: ignore[union-attr]
    assert "do-not-show" not in repr(resources)
