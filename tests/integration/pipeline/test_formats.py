"""Every row of the allowlist (reelhouse.media.formats), and a broadcast capture whose clock
starts 26 h in, through the whole real pipeline to `ready` and a ladder that plays."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.formats import CONTAINERS
from reelhouse.storage import Storage
from tests.integration.media import recipes
from tests.integration.pipeline.conftest import add_video, live_version, run_job, video_row

pytestmark = pytest.mark.integration

PICTURE = "testsrc2=size=320x180:rate=25:duration=2"
TONE = "sine=frequency=440:sample_rate=48000:duration=2"
# A broadcast capture: MPEG-2 + MP2 in MPEG-TS, its clock 26 h in.
CAPTURE = ["-c:v", "mpeg2video", "-g", "12", "-c:a", "mp2", "-output_ts_offset", str(26 * 3600)]


def _row_file(tmp_path: Path, name: str) -> Path:
    """The row's everyday file (its MUXER recipe, e.g. MJPEG + PCM in AVI), 2 s long."""
    row = next(r for r in CONTAINERS if r.name == name)
    _, filename, video, audio = recipes.MUXER[name]
    src = tmp_path / filename
    run_ffmpeg(recipes.argv(ffmpeg_path(), row, src, video, audio, seconds=2), 120)
    return src


def _capture(tmp_path: Path) -> Path:
    src = tmp_path / "capture.ts"
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", PICTURE,
                "-f", "lavfi", "-i", TONE, *CAPTURE, str(src)], 120)
    return src


@pytest.mark.parametrize("name", [*(row.name for row in CONTAINERS), "capture-at-26h"])
def test_each_format_becomes_ready_and_plays(name: str, pipeline_settings: Settings,
                                             storage: Storage, instance: dg.DagsterInstance,
                                             tmp_path: Path) -> None:
    """The upload ends `ready` with every asset materialized, and the published ladder,
    downloaded from storage, plays through ffmpeg from its master."""
    src = _capture(tmp_path) if name == "capture-at-26h" else _row_file(tmp_path, name)
    video_id = add_video(pipeline_settings, storage, src, src.name)
    result = run_job(pipeline_settings, instance, video_id)
    row = video_row(pipeline_settings, video_id)
    assert result.success and (row.status, row.failure_reason) == ("ready", "")
    prefix = keys.hls_prefix(video_id, live_version(pipeline_settings, video_id))
    out = tmp_path / "hls"
    for obj in storage.list_keys(prefix):
        local = out / obj["Key"].removeprefix(prefix)
        local.parent.mkdir(parents=True, exist_ok=True)
        storage.download_file(obj["Key"], local)
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-v", "error", "-protocol_whitelist", "file",
                "-i", str(out / "master.m3u8"), "-map", "0", "-f", "null", "-"], 60)
