"""Odd but ordinary uploads through the whole real pipeline, to `ready` and a ladder that plays."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.storage import Storage
from tests.integration.pipeline.conftest import add_video, live_version, run_job, video_row

pytestmark = pytest.mark.integration

PICTURE = "testsrc2=size=320x180:rate=25:duration=2"
TONE = "sine=frequency=440:sample_rate=48000:duration=2"
UPLOADS = {
    # A broadcast capture: MPEG-2 + MP2 in MPEG-TS, its clock 26 h in.
    "capture.ts": ["-c:v", "mpeg2video", "-g", "12", "-c:a", "mp2", "-output_ts_offset",
                   str(26 * 3600)],
    # An XDCAM-style MXF: MPEG-2 with PCM.
    "xdcam.mxf": ["-c:v", "mpeg2video", "-g", "12", "-c:a", "pcm_s16le"],
    # A webcam: MJPEG with PCM in AVI.
    "webcam.avi": ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-c:a", "pcm_s16le"],
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_odd_format_becomes_ready_and_plays(name: str, pipeline_settings: Settings,
                                            storage: Storage, instance: dg.DagsterInstance,
                                            tmp_path: Path) -> None:
    """The upload ends `ready` with every asset materialized, and the published ladder,
    downloaded from storage, plays through ffmpeg from its master."""
    src = tmp_path / name
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", PICTURE,
                "-f", "lavfi", "-i", TONE, *UPLOADS[name], str(src)], 120)
    video_id = add_video(pipeline_settings, storage, src, name)
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
