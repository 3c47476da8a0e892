"""A source longer than a chunk, through the real pipeline: split, encoded step by step,
playable after its first chunk, stitched into one ladder that ends `ready`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from reelhouse import builds, keys
from reelhouse.config import Settings
from reelhouse.db import Database
from reelhouse.media.event_playlist import final_playlists
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.samples import make_test_clip
from reelhouse.published import read_tree
from reelhouse.storage import Storage
from tests.integration.pipeline.conftest import add_video, live_version, run_job, video_row

pytestmark = pytest.mark.integration

SECONDS = 14  # a 1 s head, then chunks of one 4 s segment: five chunks


@pytest.fixture(scope="module")
def chunked(pipeline_settings: Settings, storage: Storage, instance: dg.DagsterInstance,
            tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Settings, str, dg.ExecuteInProcessResult]:
    settings = pipeline_settings.model_copy(update={"chunk_s": 4, "head_chunk_s": 1})
    clip = make_test_clip(tmp_path_factory.mktemp("chunked") / "long.mp4", seconds=SECONDS,
                          width=320, height=180)
    video_id = add_video(settings, storage, clip, "Chunked")
    return settings, video_id, run_job(settings, instance, video_id)


def test_long_source_runs_as_chunks_and_ends_ready(chunked, storage: Storage,
                                                   tmp_path: Path) -> None:
    """Every chunk is a step of its own; the stitched ladder is complete, each playlist
    is the one players were growing towards, and ffmpeg plays it from the master."""
    settings, video_id, result = chunked
    assert result.success
    assert (video_row(settings, video_id).status) == "ready"
    steps = {e.step_key for e in result.all_events if e.is_step_success}
    assert {"hls_renditions.hls_plan", "hls_renditions.hls_head", "hls_renditions.hls_audio",
            "hls_renditions.hls_stitch"} <= steps
    assert {s for s in steps if s.startswith("hls_renditions.hls_chunk[")} == {
        f"hls_renditions.hls_chunk[c{i:04d}]" for i in range(1, 5)}
    version = live_version(settings, video_id)
    tree = read_tree(storage, video_id, version)
    assert tree.problems == []
    assert all(abs(d - SECONDS) < 0.1 for d in tree.durations.values()), tree.durations
    with Database(settings).session() as session:
        build = builds.lookup_build(session, video_id, version)
    assert build is not None and build.complete and build.done == "11111"
    prefix = keys.hls_prefix(video_id, version)
    for path, text in final_playlists(build.layout, build.audio_durations).items():
        assert storage.get_bytes(prefix + path).decode() == text
    [materialized] = result.asset_materializations_for_node("hls_renditions")
    assert materialized.metadata["chunks"].value == 5
    for obj in storage.list_keys(prefix):
        local = tmp_path / obj["Key"].removeprefix(prefix)
        local.parent.mkdir(parents=True, exist_ok=True)
        storage.download_file(obj["Key"], local)
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-v", "error", "-protocol_whitelist", "file",
                "-i", str(tmp_path / "master.m3u8"), "-map", "0", "-f", "null", "-"], 60)


def test_playable_before_the_later_chunks_start(chunked,
                                                instance: dg.DagsterInstance) -> None:
    """The head chunk and the audio's first segment make the version live (early flip)
    before any later chunk is encoded: a viewer can start while the rest is made."""
    _, _, result = chunked
    logs = instance.all_logs(result.run_id)
    playable = next(i for i, e in enumerate(logs) if "is playable" in e.user_message)
    first_chunk = next(i for i, e in enumerate(logs)
                       if e.dagster_event is not None and e.dagster_event.is_step_start
                       and (e.step_key or "").startswith("hls_renditions.hls_chunk["))
    assert playable < first_chunk
