"""Catalog rows built from stored facts fit the catalog schemas."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from assets.catalog_rows import rendition_rows, thumbnail_rows, video_row
from assets.facts import hls_to_dict, probe_from_dict
from reelhouse.catalog.writer import rows_table
from reelhouse.media.hls import HlsResult, Rendition
from reelhouse.media.probe import AudioInfo, Probe, VideoInfo
from reelhouse.records import Video
from tests.unit.assets.fakes import VIDEO_ID

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PROBE = Probe("/tmp/source", "mov,mp4,m4a,3gp,3g2,mj2", "mp4", 10.0, 123_456,
              VideoInfo(0, "h264", 1280, 720, 1280, 720, "yuv420p", 8, 30.0, False, 0, 240),
              AudioInfo(1, "aac", 2, 48_000))
RUNGS = (Rendition("720p", 1280, 720, 2_500_000, 3_000_000, 3_200_000, 3, 10.0, "avc1.64001f"),
         Rendition("360p", 640, 360, 700_000, 800_000, 900_000, 3, 10.0, "avc1.4d401e"))
AUDIO = Rendition("audio", None, None, 128_000, 130_000, 160_000, 3, 10.0, "mp4a.40.2")
HLS = hls_to_dict(HlsResult(Path("/tmp/hls"), "v1", 4, 10.0, RUNGS, AUDIO, 5.0),
                  {"ladder-version": "v1", "source-etag": "e"})
VIDEO = Video(id=VIDEO_ID, owner_id=7, owner="ada", title="Sunset", description="over the sea",
              visibility="public", status="processing", filename="sunset.mp4",
              content_type="video/mp4", source_size=123_456, source_sha256="ab" * 32,
              upload_version=1, created_at=T0, uploaded_at=T0)
THUMBS = {"poster": {"key": "p.jpg", "width": 1280, "height": 720, "time_s": 1.0},
          "storyboard": {"interval_s": 5.0, "sheets": [
              {"key": "storyboard_000.jpg", "width": 320, "height": 90, "count": 2}]}}


def test_probe_facts_round_trip() -> None:
    """A probe stored as JSON-able facts comes back equal."""
    assert probe_from_dict(asdict(PROBE)) == PROBE


def test_video_row_fits_the_videos_schema() -> None:
    """The videos row carries the owner's metadata, the probe, ladder totals and timings."""
    probe = {"probe": asdict(PROBE), "started_at": T0.isoformat()}
    row = video_row(VIDEO, probe, HLS, THUMBS, now=T0.replace(minute=5))
    table = rows_table("videos", VIDEO_ID, [row])
    got = table.to_pylist()[0]
    assert (got["status"], got["owner"], got["width"], got["audio_codec"]) == (
        "ready", "ada", 1280, "aac")
    assert (got["rung_count"], got["hls_bytes"]) == (2, 4_260_000)
    assert got["processing_s"] == 60.0
    assert got["realtime_factor"] == 2.0
    assert got["poster_key"] == "p.jpg"


def test_rendition_rows_state_master_bandwidth_and_scores() -> None:
    """Bandwidth is video peak plus audio peak, as in the master; scores join by rung."""
    quality = {"rungs": {"720p": {"vmaf": 93.5, "ssim": 0.98, "psnr": 41.0}}}
    rows = rows_table("renditions", VIDEO_ID, rendition_rows(HLS, quality)).to_pylist()
    assert [(r["rung"], r["bandwidth"], r["vmaf"]) for r in rows] == [
        ("720p", 3_130_000, 93.5), ("360p", 930_000, None)]
    assert rows[0]["codecs"] == "avc1.64001f,mp4a.40.2"


def test_thumbnail_rows_list_poster_then_sheets() -> None:
    """The poster row comes first, then one row per sprite sheet with its thumbnail count."""
    rows = rows_table("thumbnails", VIDEO_ID, thumbnail_rows(THUMBS)).to_pylist()
    assert [(r["kind"], r["count"], r["interval_s"]) for r in rows] == [
        ("poster", 1, None), ("storyboard", 2, 5.0)]
