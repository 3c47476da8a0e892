"""Asset checks fail on broken output in the bucket, even when the asset itself is content."""

from __future__ import annotations

import dagster as dg
import pytest
from sqlalchemy import update

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.db import Database, Video
from reelhouse.storage import Storage
from tests.integration.pipeline.conftest import add_video, live_version, run_job

pytestmark = pytest.mark.integration


def _clone(storage: Storage, source_id: str, target_id: str) -> None:
    """Copy a processed video's products (facts included) to another id, server side."""
    old, new = keys.media_prefix(source_id), keys.media_prefix(target_id)
    for obj in storage.list_keys(old):
        storage.client.copy_object(
            Bucket=storage.bucket, Key=new + obj["Key"].removeprefix(old),
            CopySource={"Bucket": storage.bucket, "Key": obj["Key"]}, MetadataDirective="COPY")


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.fixture
def cloned(ready_video: tuple[str, dg.ExecuteInProcessResult], pipeline_settings: Settings,
           storage: Storage) -> str:
    """A new video whose stored products are a copy of the processed one's, live as the
    same version."""
    video_id = add_video(pipeline_settings, storage, None, "A copy")
    _clone(storage, ready_video[0], video_id)
    with Database(pipeline_settings).session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(
            media_version=live_version(pipeline_settings, ready_video[0])))
    return video_id


def _hls(settings: Settings, video_id: str) -> str:
    return keys.hls_prefix(video_id, live_version(settings, video_id))


def _run(settings: Settings, instance: dg.DagsterInstance, video_id: str
         ) -> dg.ExecuteInProcessResult:
    # The assets find their products in the live version (status: cached) and only the
    # checks look.
    return run_job(settings, instance, video_id, assets=["hls_renditions", "thumbnails"])


def test_checks_pass_on_intact_output(cloned: str, pipeline_settings: Settings,
                                      instance: dg.DagsterInstance) -> None:
    """The clone itself is healthy: every check passes and the assets reuse their output."""
    result = _run(pipeline_settings, instance, cloned)
    assert result.success
    assert {name: e.passed for name, e in _checks(result).items()} == {
        "hls_master_complete": True, "hls_durations_match": True, "poster_present": True}


def test_missing_segment_fails_the_blocking_master_check(
        cloned: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """A segment gone from the bucket fails hls_master_complete, naming it, and the run."""
    storage.delete(f"{_hls(pipeline_settings, cloned)}240p/seg_00001.m4s")
    result = _run(pipeline_settings, instance, cloned)
    check = _checks(result)["hls_master_complete"]
    assert not check.passed
    assert "240p/index.m3u8: seg_00001.m4s is missing or empty" in check.metadata[
        "problems"].value
    assert not result.success  # blocking: nothing downstream trusts a broken ladder


def test_missing_rung_playlist_fails_the_master_check(
        cloned: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """A rung playlist the master lists but the bucket lacks fails hls_master_complete."""
    storage.delete(f"{_hls(pipeline_settings, cloned)}360p/index.m3u8")
    check = _checks(_run(pipeline_settings, instance, cloned))["hls_master_complete"]
    assert not check.passed
    assert "360p/index.m3u8: missing" in check.metadata["problems"].value


def test_wrong_duration_fails_the_duration_check(
        cloned: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """A rung playlist claiming far more time than the source fails hls_durations_match."""
    key = f"{_hls(pipeline_settings, cloned)}240p/index.m3u8"
    text = storage.get_bytes(key).decode()
    first = next(line for line in text.splitlines() if line.startswith("#EXTINF:"))
    storage.put_bytes(key, text.replace(first, "#EXTINF:30.000000,", 1).encode(),
                      "application/vnd.apple.mpegurl")
    checks = _checks(_run(pipeline_settings, instance, cloned))
    assert checks["hls_master_complete"].passed
    assert not checks["hls_durations_match"].passed
    assert "240p/index.m3u8: lasts" in checks["hls_durations_match"].metadata["problems"].value


def test_empty_poster_fails_the_poster_check(
        cloned: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance) -> None:
    """An empty poster object fails poster_present."""
    storage.put_bytes(keys.poster_key(cloned, live_version(pipeline_settings, cloned)), b"",
                      "image/jpeg")
    check = _checks(_run(pipeline_settings, instance, cloned))["poster_present"]
    assert not check.passed
    assert "poster.jpg is missing or empty" in check.metadata["problems"].value
