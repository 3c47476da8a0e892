"""Fixtures for running the real pipeline: embedded S3, a fresh API database, real Dagster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from assets.common import UPLOAD_VERSION_TAG
from pipelines.definitions import build_defs, resources_for
from reelhouse import keys
from reelhouse.config import Settings, load_settings
from reelhouse.db import Database, User, Video, new_id, utcnow
from reelhouse.media.samples import make_test_clip
from reelhouse.storage import Storage


@pytest.fixture(scope="session")
def pipeline_settings(s3_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The session's embedded S3 with an API database of our own and a 1 s storyboard; the
    uploads sensor starts runs at once (no API launches them)."""
    db = tmp_path_factory.mktemp("pipeline-db") / "api.db"
    settings = load_settings(state_dir=s3_settings.state_dir, s3_port=s3_settings.s3_port,
                             database_url=f"sqlite:///{db}", storyboard_interval_s=1,
                             direct_launch=False)
    Database(settings).upgrade()
    return settings


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny generated inputs: h264+aac with two rungs, a silent one-rung clip, a text file."""
    root = tmp_path_factory.mktemp("clips")
    text = root / "notes.mp4"
    text.write_text("Shopping list\n- milk\n- eggs\n")
    return {
        "h264_aac": make_test_clip(root / "h264_aac.mp4", seconds=2, width=640, height=360),
        "silent": make_test_clip(root / "silent.mp4", seconds=2, width=320, height=180,
                                 audio=False),
        "text": text,
    }


def add_video(settings: Settings, storage: Storage, source: Path | None,
              title: str = "A test video", sha256: str = "") -> str:
    """Upload `source` (if any) as a new video owned by `tester`, marked `uploaded` (v1),
    with `sha256` as the whole-file checksum its uploader declared (if any)."""
    video_id = new_id()
    if source is not None:
        storage.put_file(keys.source_key(video_id), source, "video/mp4")
    with Database(settings).session() as session:
        owner = session.scalar(select(User).where(User.username == "tester"))
        if owner is None:
            owner = User(username="tester", password_hash="-")
            session.add(owner)
            session.flush()
        session.add(Video(id=video_id, owner_id=owner.id, title=title, status="uploaded",
                          filename=source.name if source else "", upload_version=1,
                          source_size=source.stat().st_size if source else 0,
                          source_sha256=sha256, uploaded_at=utcnow()))
    return video_id


def video_row(settings: Settings, video_id: str) -> Video:
    with Database(settings).session() as session:
        video = session.get(Video, video_id)
        assert video is not None
        return video


def live_version(settings: Settings, video_id: str) -> str:
    """The media version the video's row points players at (asserted to exist)."""
    version = video_row(settings, video_id).media_version
    assert version is not None, f"{video_id} has no live version"
    return version


def run_job(settings: Settings, instance: dg.DagsterInstance, video_id: str,
            job: str = "process_video_job", run_config: dict | None = None,
            assets: list[str] | None = None, upload_version: int | None = None
            ) -> dg.ExecuteInProcessResult:
    """Run a job of the real definitions for one video partition, as the sensor would
    (only `assets` and their checks, when given)."""
    if not instance.has_dynamic_partition("videos", video_id):
        instance.add_dynamic_partitions("videos", [video_id])
    definitions = build_defs(resources_for(settings))
    return definitions.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=video_id, raise_on_error=False,
        tags={UPLOAD_VERSION_TAG: str(upload_version or video_row(settings, video_id)
                                      .upload_version)},
        run_config=run_config,
        asset_selection=[dg.AssetKey(a) for a in assets] if assets is not None else None)


@pytest.fixture(scope="session")
def instance() -> Iterator[dg.DagsterInstance]:
    """A real (ephemeral) Dagster instance shared by the pipeline tests."""
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture(scope="session")
def ready_video(pipeline_settings: Settings, storage: Storage, clips: dict[str, Path],
                instance: dg.DagsterInstance) -> tuple[str, dg.ExecuteInProcessResult]:
    """One h264+aac upload taken through the whole pipeline (shared: transcodes are costly)."""
    video_id = add_video(pipeline_settings, storage, clips["h264_aac"], "Bars and tone")
    return video_id, run_job(pipeline_settings, instance, video_id)
