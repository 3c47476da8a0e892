"""The real pipeline (ffmpeg, embedded S3, a Dagster instance) over generated uploads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import update

from assets.metadata import poster_url
from reelhouse import catalog, keys
from reelhouse.config import Settings
from reelhouse.db import Database, Video, VideoProgress
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.ladder import LADDER_VERSION
from reelhouse.published import read_tree, stored_versions
from reelhouse.storage import Storage
from tests.integration.pipeline.conftest import add_video, live_version, run_job, video_row

pytestmark = pytest.mark.integration

Ready = tuple[str, dg.ExecuteInProcessResult]


def _steps(result: dg.ExecuteInProcessResult) -> dict[str, list[str]]:
    steps: dict[str, list[str]] = {}
    for event in result.all_events:
        if event.step_key and event.event_type_value.startswith("STEP_"):
            steps.setdefault(event.step_key, []).append(event.event_type_value)
    return steps


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    [event] = result.asset_materializations_for_node(asset)
    return event.metadata


def test_upload_becomes_ready_with_every_playlist_uri_in_storage(
        ready_video: Ready, pipeline_settings: Settings, storage: Storage) -> None:
    """An h264+aac upload ends `ready`, its checks pass, and every URI the master lists exists."""
    video_id, result = ready_video
    assert result.success, _steps(result)
    row = video_row(pipeline_settings, video_id)
    assert (row.status, row.failure_reason) == ("ready", "")
    with Database(pipeline_settings).session() as session:  # what the dashboard showed
        assert session.get(VideoProgress, video_id).percent == 100
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert len(result.get_asset_check_evaluations()) == 3
    assert stored_versions(storage, video_id) == {row.media_version}
    tree = read_tree(storage, video_id, live_version(pipeline_settings, video_id))
    assert tree.problems == []
    assert set(tree.durations) == {"360p/index.m3u8", "240p/index.m3u8", "audio/index.m3u8"}
    assert all(abs(d - 2.0) < 0.2 for d in tree.durations.values())


def test_objects_carry_type_cache_and_ladder_version(ready_video: Ready, storage: Storage,
                                                     pipeline_settings: Settings) -> None:
    """Segments are immutable fMP4, playlists short-lived, and the master names the ladder."""
    video_id, _ = ready_video
    live = live_version(pipeline_settings, video_id)
    prefix = keys.hls_prefix(video_id, live)
    segment = storage.head(f"{prefix}360p/seg_00001.m4s")
    init = storage.head(f"{prefix}360p/init.mp4")
    playlist = storage.head(f"{prefix}360p/index.m3u8")
    master = storage.head(keys.master_key(video_id, live))
    assert segment and init and playlist and master
    assert (segment["ContentType"], segment["CacheControl"]) == (
        "video/iso.segment", "public, max-age=31536000, immutable")
    assert init["ContentType"] == "video/mp4"
    for head in (playlist, master):
        assert (head["ContentType"], head["CacheControl"]) == (
            "application/vnd.apple.mpegurl", "public, max-age=60")
    assert master["Metadata"]["ladder-version"] == LADDER_VERSION
    assert storage.exists(keys.poster_key(video_id, live))
    assert storage.exists(keys.progressive_key(video_id, live))


def test_ffmpeg_decodes_the_published_ladder(ready_video: Ready, storage: Storage,
                                             pipeline_settings: Settings,
                                             tmp_path: Path) -> None:
    """The tree as published (downloaded from S3) plays through ffmpeg from the master."""
    video_id, _ = ready_video
    prefix = keys.hls_prefix(video_id, live_version(pipeline_settings, video_id))
    for obj in storage.list_keys(prefix):
        local = tmp_path / obj["Key"].removeprefix(prefix)
        local.parent.mkdir(parents=True, exist_ok=True)
        storage.download_file(obj["Key"], local)
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-v", "error", "-protocol_whitelist", "file",
                "-i", str(tmp_path / "master.m3u8"), "-map", "0", "-f", "null", "-"], 60)


def test_catalog_rows_exist_for_every_table(ready_video: Ready, storage: Storage) -> None:
    """The video, its two rungs (with quality scores) and its poster and sheets are queryable."""
    video_id, _ = ready_video
    con = catalog.connect(storage)
    video = catalog.get_video(con, video_id)
    assert video is not None
    assert (video["status"], video["title"], video["owner"]) == ("ready", "Bars and tone",
                                                                 "tester")
    assert (video["width"], video["height"], video["rung_count"]) == (640, 360, 2)
    rungs = catalog.renditions_for(con, video_id)
    assert sorted(r["rung"] for r in rungs) == ["240p", "360p"]
    assert all(r["ladder_version"] == LADDER_VERSION for r in rungs)
    assert all(r["vmaf"] is not None or r["ssim"] is not None for r in rungs)
    kinds = [t["kind"] for t in catalog.thumbnails_for(con, video_id)]
    assert kinds[0] == "poster" and "storyboard" in kinds


def test_materializations_show_tables_links_and_catalog_columns(
        ready_video: Ready, pipeline_settings: Settings) -> None:
    """The UI gets rung and score tables, the duration, a play link, a poster link to the
    API route (which never expires), and each catalog asset its columns and row count."""
    video_id, result = ready_video
    hls = _metadata(result, "hls_renditions")
    rungs = {r.data["rung"]: r.data for r in hls["rungs"].records}
    assert rungs["360p"]["resolution"] == "640x360" and set(rungs) == {"360p", "240p", "audio"}
    assert hls["play"].value.endswith(f"?video={video_id}")
    assert hls["duration_s"].value == pytest.approx(2.0, abs=0.2)
    scores = _metadata(result, "rendition_quality")["scores"].records
    assert sorted(r.data["rung"] for r in scores) == ["240p", "360p"]
    poster = poster_url(pipeline_settings, video_id)
    assert _metadata(result, "thumbnails")["poster"].value == poster
    assert _metadata(result, "catalog_videos")["poster"].value == poster
    for asset, table, rows in (("catalog_videos", "videos", 1),
                               ("catalog_renditions", "renditions", 2)):
        meta = _metadata(result, asset)
        assert [c.name for c in meta["dagster/column_schema"].schema.columns] == (
            catalog.SCHEMAS[table].names)
        assert meta["dagster/row_count"].value == rows


def test_materializations_record_the_ladder_version_as_code_version(
        ready_video: Ready) -> None:
    """Each product's materialization is stamped with the ladder version it was made under,
    which is what lets the UI call a partition stale after a ladder bump."""
    _, result = ready_video
    [event] = result.asset_materializations_for_node("hls_renditions")
    assert event.tags["dagster/code_version"] == LADDER_VERSION


def test_a_damaged_live_version_is_rebuilt_into_a_new_one(
        ready_video: Ready, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """With the live master and a segment gone, a rerun does not reuse that version: it
    builds a new one, flips to it (the damaged one retired for the grace period), and a
    further rerun reuses the new one (`cached`) and flips nothing."""
    video_id, _ = ready_video
    damaged = live_version(pipeline_settings, video_id)
    storage.delete(keys.master_key(video_id, damaged))
    storage.delete(f"{keys.hls_prefix(video_id, damaged)}240p/seg_00001.m4s")

    rerun = run_job(pipeline_settings, instance, video_id)
    assert rerun.success
    assert _metadata(rerun, "hls_renditions")["status"].value == "transcoded"
    fresh = live_version(pipeline_settings, video_id)
    assert fresh != damaged and read_tree(storage, video_id, fresh).problems == []
    assert _metadata(rerun, "published_media")["replaced"].value == damaged
    row = video_row(pipeline_settings, video_id)
    assert (row.status, row.retired_version) == ("ready", damaged)

    again = run_job(pipeline_settings, instance, video_id)
    assert _metadata(again, "hls_renditions")["status"].value == "cached"
    assert _metadata(again, "published_media")["status"].value == "cached"
    assert live_version(pipeline_settings, video_id) == fresh
    assert video_row(pipeline_settings, video_id).status == "ready"


@pytest.mark.parametrize(("clip", "reason"), [
    ("text", "this is a text file, not a video"),
    (None, "the upload is missing: upload the file again"),
])
def test_rejected_upload_fails_readably_once_and_the_next_video_processes(
        clip: str | None, reason: str, clips: dict[str, Path], pipeline_settings: Settings,
        storage: Storage, instance: dg.DagsterInstance) -> None:
    """A bad upload ends `failed` with a reason a person can read, without retries or a
    failed run, its downstream assets skip, and the next upload still becomes `ready`."""
    bad = add_video(pipeline_settings, storage, clips[clip] if clip else None)
    result = run_job(pipeline_settings, instance, bad)
    assert result.success
    steps = _steps(result)
    assert steps["source_probe"] == ["STEP_START", "STEP_SUCCESS"]
    assert steps["hls_renditions.hls_plan"] == ["STEP_SKIPPED"]
    assert steps["catalog_videos"] == ["STEP_SKIPPED"]
    row = video_row(pipeline_settings, bad)
    assert (row.status, row.failure_reason) == ("failed", reason)
    observed = [e for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"]
    assert observed[0].event_specific_data.asset_observation.metadata["reason"].value == reason
    assert row.media_version is None and stored_versions(storage, bad) == set()

    good = add_video(pipeline_settings, storage, clips["silent"])
    assert run_job(pipeline_settings, instance, good).success
    assert video_row(pipeline_settings, good).status == "ready"


def test_a_run_for_a_superseded_upload_makes_nothing(
        clips: dict[str, Path], pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """A run requested for upload 1 of a video since uploaded again skips every asset and
    leaves the status to the newer upload's run."""
    video_id = add_video(pipeline_settings, storage, clips["silent"])
    with Database(pipeline_settings).session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(upload_version=2))
    result = run_job(pipeline_settings, instance, video_id, upload_version=1)
    assert result.success
    assert _steps(result)["hls_renditions.hls_plan"] == ["STEP_SKIPPED"]
    assert video_row(pipeline_settings, video_id).status == "uploaded"
    assert not list(storage.list_keys(keys.media_prefix(video_id)))


def test_an_upload_that_does_not_match_its_declared_sha256_fails_before_transcoding(
        clips: dict[str, Path], pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """The whole-file checksum given at upload is verified on the bytes the pipeline reads:
    a mismatch fails the video with a reason; the declared digest of the same bytes passes."""
    source = clips["silent"]
    wrong = add_video(pipeline_settings, storage, source, sha256="0" * 64)
    assert run_job(pipeline_settings, instance, wrong).success
    row = video_row(pipeline_settings, wrong)
    assert row.status == "failed" and "SHA-256" in row.failure_reason
    assert row.media_version is None and stored_versions(storage, wrong) == set()

    right = add_video(pipeline_settings, storage, source,
                      sha256=hashlib.sha256(source.read_bytes()).hexdigest())
    assert run_job(pipeline_settings, instance, right).success
    assert video_row(pipeline_settings, right).status == "ready"


def test_an_upload_replaced_by_one_of_another_size_fails_before_transcoding(
        clips: dict[str, Path], pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """The stored object must be the size its upload completed with: one replaced since
    (a late PUT to a URL that signed no length) fails the video with a readable reason."""
    video_id = add_video(pipeline_settings, storage, clips["silent"])
    storage.put_bytes(keys.source_key(video_id), clips["silent"].read_bytes() + b"extra",
                      "video/mp4")
    assert run_job(pipeline_settings, instance, video_id).success
    row = video_row(pipeline_settings, video_id)
    size = clips["silent"].stat().st_size
    assert (row.status, row.failure_reason) == (
        "failed", f"the stored upload is {size + 5} bytes, not the {size} bytes its upload "
                  "completed with: upload the file again")
    assert not [o for o in storage.list_keys(keys.media_prefix(video_id))
                if o["Key"].endswith("master.m3u8")]


def test_the_sweep_job_removes_objects_of_no_video_and_records_them(
        clips: dict[str, Path], pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """storage_sweep_job removes a raw object whose video is gone (grace 0) and says so in
    its metadata, leaving a live video's upload alone."""
    from reelhouse.db import new_id

    live = add_video(pipeline_settings, storage, clips["silent"])
    orphan = keys.source_key(new_id())
    storage.put_bytes(orphan, b"left behind", "video/mp4")
    settings = pipeline_settings.model_copy(update={"sweep_grace_s": 0})
    from pipelines.definitions import build_defs, resources_for

    job = build_defs(resources_for(settings)).resolve_job_def("storage_sweep_job")
    result = job.execute_in_process(instance=instance)
    assert result.success
    assert not storage.exists(orphan) and storage.exists(keys.source_key(live))
    [materialized] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = materialized.event_specific_data.metadata
    assert orphan in metadata["raw_objects"].value
