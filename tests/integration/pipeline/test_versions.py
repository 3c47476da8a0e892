"""Versioned media on the real pipeline: reruns and crashes never touch what players are
served, a video deleted mid-run leaves nothing behind, and the sweeper finishes the rest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import select, update

import assets.progressive
from assets.database import DatabaseResource
from pipelines.definitions import resources_for
from pipelines.sweep import media_sweep_sensor
from reelhouse import catalog, keys, videos
from reelhouse.config import Settings
from reelhouse.db import Database, Video, VideoProgress, utcnow
from reelhouse.media.ffmpeg import FfmpegError
from reelhouse.published import playable_problems, read_tree, stored_versions
from reelhouse.records import VideoStatus
from reelhouse.storage import Storage
from tests.integration.pipeline.conftest import add_video, live_version, run_job, video_row


@pytest.fixture(scope="module")
def pipeline_settings(s3_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An API database of this module's own. In the whole suite the session's shared one
    answered "disk I/O error" by the time these tests ran (and not when they run alone or
    after test_sensor.py); which earlier test breaks it is not found yet."""
    from reelhouse.config import load_settings

    db = tmp_path_factory.mktemp("versions-db") / "api.db"
    settings = load_settings(state_dir=s3_settings.state_dir, s3_port=s3_settings.s3_port,
                             database_url=f"sqlite:///{db}", storyboard_interval_s=1)
    Database(settings).upgrade()
    return settings

pytestmark = pytest.mark.integration

FORCE = {"ops": {"hls_renditions": {"config": {"force": True}}}}


def _reprocess(settings: Settings, instance: dg.DagsterInstance, video_id: str
               ) -> dg.ExecuteInProcessResult:
    """A forced reprocess of the whole video, as an operator launches it."""
    return run_job(settings, instance, video_id, job="reprocess_job", run_config=FORCE)


def _served_problems(settings: Settings, storage: Storage, video_id: str) -> list[str]:
    """What is wrong with what a player asking now is served (the row's live version)."""
    row = video_row(settings, video_id)
    if row.status != VideoStatus.READY or row.media_version is None:
        return [f"the video is {row.status} with live version {row.media_version}"]
    return playable_problems(storage, video_id, row.media_version)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch, pipeline_settings: Settings, storage: Storage
            ) -> Callable[[str], list[str]]:
    """Start watching a video: before every object the pipeline writes or deletes, what
    players are served is checked; returns the problems seen so far."""
    seen: list[str] = []
    watching: list[str] = []
    for name in ("put_file", "put_bytes", "delete", "delete_prefix"):
        real = getattr(Storage, name)

        def wrapped(self: Storage, key: str, *args: Any, _real: Any = real, **kwargs: Any
                    ) -> Any:
            for video_id in watching:
                seen.extend(f"before {key}: {p}" for p in
                            _served_problems(pipeline_settings, storage, video_id))
            return _real(self, key, *args, **kwargs)

        monkeypatch.setattr(Storage, name, wrapped)

    def watch(video_id: str) -> list[str]:
        watching.append(video_id)
        return seen

    return watch


@pytest.fixture
def fresh_ready(pipeline_settings: Settings, storage: Storage, clips: dict[str, Path],
                instance: dg.DagsterInstance) -> str:
    """A silent one-rung video taken to `ready` (its own, so tests may rerun it)."""
    video_id = add_video(pipeline_settings, storage, clips["silent"], "Reprocessed")
    assert run_job(pipeline_settings, instance, video_id).success
    return video_id


def test_a_rerun_keeps_the_live_version_playable_until_the_flip(
        fresh_ready: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance, watched: Callable[[str], list[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A forced reprocess of a ready video writes a new version beside the live one: at
    every object it writes, what players are served is complete and the video `ready`; the
    flip comes only once the new version is playable, and the old one stays (retired)."""
    video_id = fresh_ready
    old = live_version(pipeline_settings, video_id)
    at_flip: list[list[str]] = []
    real_flip = DatabaseResource.flip

    def flip(self: DatabaseResource, vid: str, version: str, **kw: Any) -> str | None:
        at_flip.append(playable_problems(storage, vid, version))
        return real_flip(self, vid, version, **kw)

    monkeypatch.setattr(DatabaseResource, "flip", flip)
    seen = watched(video_id)
    result = _reprocess(pipeline_settings, instance, video_id)
    assert result.success
    assert seen == []
    new = live_version(pipeline_settings, video_id)
    assert new != old and at_flip == [[]]
    row = video_row(pipeline_settings, video_id)
    assert (row.status, row.retired_version) == ("ready", old)
    assert read_tree(storage, video_id, old).problems == []  # players mid-stream go on
    assert stored_versions(storage, video_id) == {old, new}


def test_a_crash_mid_publish_leaves_the_previous_version_live(
        fresh_ready: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    """Storage dying while the new ladder is published fails the run but leaves the video
    `ready` on its old, complete version; the next good run removes the half-written one."""
    video_id = fresh_ready
    old = live_version(pipeline_settings, video_id)
    real_put = Storage.put_bytes

    def dying(self: Storage, key: str, *args: Any, **kwargs: Any) -> Any:
        if key.endswith("/hls/master.m3u8"):
            raise RuntimeError("killed mid-publish")
        return real_put(self, key, *args, **kwargs)

    monkeypatch.setattr(Storage, "put_bytes", dying)
    assert not _reprocess(pipeline_settings, instance, video_id).success
    assert live_version(pipeline_settings, video_id) == old
    assert _served_problems(pipeline_settings, storage, video_id) == []
    [partial] = stored_versions(storage, video_id) - {old}
    assert read_tree(storage, video_id, partial).problems == ["master.m3u8 is missing"]

    monkeypatch.setattr(Storage, "put_bytes", real_put)
    assert _reprocess(pipeline_settings, instance, video_id).success
    new = live_version(pipeline_settings, video_id)
    assert stored_versions(storage, video_id) == {old, new}  # the partial one is gone


def test_a_video_is_ready_only_with_its_mp4(
        pipeline_settings: Settings, storage: Storage, clips: dict[str, Path],
        instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the download MP4 cannot be made, the video never becomes `ready` and players
    are handed nothing, however complete its ladder and thumbnails are (its build went
    live for playback while processing; a failed video is never served)."""
    def broken(*_args: object, **_kwargs: object) -> None:
        raise FfmpegError("ffmpeg exited 1: remux refused")

    monkeypatch.setattr(assets.progressive, "remux_progressive", broken)
    video_id = add_video(pipeline_settings, storage, clips["silent"], "No MP4")
    result = run_job(pipeline_settings, instance, video_id)
    assert not result.success
    row = video_row(pipeline_settings, video_id)
    assert row.status == "failed" and not videos.playable(row)
    assert not result.asset_materializations_for_node("catalog_videos")


def _nothing_left(settings: Settings, storage: Storage, video_id: str) -> None:
    assert list(storage.list_keys(keys.media_prefix(video_id))) == []
    assert list(storage.list_keys(f"raw/{video_id}/")) == []
    con = catalog.connect(storage)
    assert catalog.get_video(con, video_id) is None
    assert catalog.renditions_for(con, video_id) == []
    assert catalog.thumbnails_for(con, video_id) == []
    with Database(settings).session() as session:
        assert session.get(Video, video_id) is None
        assert session.get(VideoProgress, video_id) is None


def _sweep(settings: Settings, instance: dg.DagsterInstance) -> None:
    """One tick of the sweeper, applying the partition deletes it asks for as the daemon would."""
    resources = resources_for(settings)
    with dg.build_sensor_context(instance=instance, resources={
            "database": resources["database"], "storage": resources["storage"]}) as context:
        result = media_sweep_sensor(context)
    if isinstance(result, dg.SensorResult):
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.DeleteDynamicPartitionsRequest):
                for key in request.partition_keys:
                    instance.delete_dynamic_partition(request.partitions_def_name, key)


@pytest.mark.parametrize("when", ["set_progress", "flip", "mark_ready"])
def test_a_video_deleted_while_processing_leaves_nothing_behind(
        when: str, pipeline_settings: Settings, storage: Storage, clips: dict[str, Path],
        instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API deletes the video mid-transcode, just before the flip, or after the catalog
    rows are written: the run stops, and no object, catalog row, progress or video row is
    left; the sweeper then removes its Dagster partition."""
    video_id = add_video(pipeline_settings, storage, clips["silent"], "Deleted mid-run")
    real = getattr(DatabaseResource, when)
    deleted: list[int] = []

    def delete_first(self: DatabaseResource, vid: str, *args: Any, **kwargs: Any) -> Any:
        if not deleted:
            deleted.append(videos.delete_video(Database(pipeline_settings), storage, vid))
        return real(self, vid, *args, **kwargs)

    monkeypatch.setattr(DatabaseResource, when, delete_first)
    result = run_job(pipeline_settings, instance, video_id)
    assert deleted and not result.success
    checks = {"hls_renditions_hls_master_complete", "hls_renditions_hls_durations_match",
              "thumbnails_poster_present"}  # they may run after the delete: they fail too
    failed = {e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}
    # The audio step, ready beside the head, stops on the deleted video too.
    assert failed - checks == {"set_progress": {"hls_renditions.hls_head",
                                                "hls_renditions.hls_audio"},
                               "flip": {"published_media"},
                               "mark_ready": {"catalog_videos"}}[when]
    _nothing_left(pipeline_settings, storage, video_id)
    assert instance.has_dynamic_partition("videos", video_id)
    _sweep(pipeline_settings, instance)
    assert not instance.has_dynamic_partition("videos", video_id)


def test_the_sweeper_removes_retired_versions_after_their_grace_and_finishes_deletes(
        fresh_ready: str, pipeline_settings: Settings, storage: Storage,
        instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replaced version survives sweeps within its grace period and goes after it; a
    delete interrupted once its objects were gone (the catalog failing) is finished."""
    video_id = fresh_ready
    old = live_version(pipeline_settings, video_id)
    assert _reprocess(pipeline_settings, instance, video_id).success
    new = live_version(pipeline_settings, video_id)
    _sweep(pipeline_settings, instance)
    assert stored_versions(storage, video_id) == {old, new}
    db = Database(pipeline_settings)
    with db.session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(
            retired_at=utcnow() - timedelta(days=30)))
    _sweep(pipeline_settings, instance)
    assert stored_versions(storage, video_id) == {new}
    assert video_row(pipeline_settings, video_id).retired_version is None
    assert _served_problems(pipeline_settings, storage, video_id) == []

    from reelhouse.catalog import writer
    real_delete = writer.delete_videos

    def failing(*_args: object) -> int:
        raise catalog.CatalogError("catalog: commit conflict")

    monkeypatch.setattr(writer, "delete_videos", failing)
    with pytest.raises(catalog.CatalogError):
        videos.delete_video(db, storage, video_id)
    monkeypatch.setattr(writer, "delete_videos", real_delete)
    assert list(storage.list_keys(keys.media_prefix(video_id))) == []
    with db.session() as session:  # hidden, never `ready` without media
        assert session.scalar(select(Video.status).where(Video.id == video_id)) == "deleting"
        session.execute(update(Video).where(Video.id == video_id).values(
            updated_at=utcnow() - timedelta(hours=1)))
    _sweep(pipeline_settings, instance)
    _nothing_left(pipeline_settings, storage, video_id)
