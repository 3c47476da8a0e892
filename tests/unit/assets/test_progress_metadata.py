"""Progress reporting and the metadata the Dagster UI shows for a video."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from assets.metadata import (
    COLUMN_SCHEMA,
    ROW_COUNT,
    RUNG_SCHEMA,
    catalog_metadata,
    play_url,
    poster_url,
    rung_table,
    score_table,
)
from assets.progress import PERCENT_TAG, SPEED_TAG, ProgressReporter
from reelhouse.catalog.schemas import RENDITIONS
from reelhouse.config import load_settings
from reelhouse.media.hls import Rendition
from tests.unit.assets.fakes import VIDEO_ID


class Tags:
    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []

    def add_run_tags(self, run_id: str, tags: dict[str, str]) -> None:
        self.calls.append(tags)


def test_progress_is_reported_every_step_and_once_at_the_end() -> None:
    """Percent and speed reach the log and run tags at most every 10%, and 100% once."""
    tags = Tags()
    context: Any = SimpleNamespace(log=logging.getLogger("t"), instance=tags,
                                   run=SimpleNamespace(run_id="r"))
    recorded: list[float] = []
    report = ProgressReporter(context, step=10, every_s=3600, also=recorded.append)
    for percent in (0, 3, 9, 10, 15, 21.04, 100, 100):
        report(percent, 2.5)
    assert [c[PERCENT_TAG] for c in tags.calls] == ["0", "10", "21", "100"]
    assert recorded == [0, 10, 21.0, 100]  # the same moments reach the video's row
    assert tags.calls[-1][SPEED_TAG] == "2.50x"
    assert report.speed == 2.5


def test_rung_table_is_a_dagster_table_with_resolution_bitrate_and_size() -> None:
    """One typed row per rung and for the audio group, under the rung schema."""
    rungs = [Rendition("720p", 1280, 720, 2_500_000, 3_000_000, 3_200_000, 3, 10.0, "avc1")]
    audio = Rendition("audio", None, None, 128_000, 130_000, 160_000, 3, 10.0, "mp4a")
    table = rung_table(rungs, audio)
    assert table.schema == RUNG_SCHEMA
    assert [r.data for r in table.records] == [
        {"rung": "720p", "resolution": "1280x720", "avg_kbps": 2500, "peak_kbps": 3000,
         "size_mb": 3.2, "segments": 3},
        {"rung": "audio", "resolution": "audio", "avg_kbps": 128, "peak_kbps": 130,
         "size_mb": 0.16, "segments": 3}]


def test_score_table_keeps_a_missing_metric_empty() -> None:
    """Quality scores are one row per rung; a metric that did not run stays None."""
    table = score_table({"360p": {"vmaf": None, "vmaf_min": None, "ssim": 0.98, "psnr": 41.5,
                                  "frames": 40}})
    assert [c.name for c in table.schema.columns] == ["rung", "vmaf", "vmaf_min", "ssim",
                                                      "psnr_db", "frames"]
    assert table.records[0].data == {"rung": "360p", "vmaf": None, "vmaf_min": None,
                                     "ssim": 0.98, "psnr_db": 41.5, "frames": 40}


def test_catalog_metadata_carries_the_arrow_columns_and_the_row_count() -> None:
    """A catalog asset reports every column of its table (Arrow type, nullability) and rows."""
    meta = catalog_metadata("renditions", 2, "catalog/renditions/x.parquet")
    columns = meta[COLUMN_SCHEMA].schema.columns
    assert [c.name for c in columns] == RENDITIONS.names
    assert (columns[0].name, columns[0].type, columns[0].constraints.nullable) == (
        "video_id", "string", False)
    assert {c.name: c.type for c in columns}["written_at"] == "timestamp[us, tz=UTC]"
    assert meta[ROW_COUNT].value == 2


def test_play_url_points_at_the_dashboard_player() -> None:
    """The play link opens the dashboard's player on this video."""
    settings = load_settings(public_host="media.example", dashboard_port=5006)
    assert play_url(settings, VIDEO_ID) == f"http://media.example:5006/?video={VIDEO_ID}"


def test_poster_link_is_the_api_route_not_a_signature() -> None:
    """The poster link names the API's poster route, so it never expires."""
    settings = load_settings(public_host="media.example", api_port=8000)
    assert poster_url(settings, VIDEO_ID) == (
        f"http://media.example:8000/api/v1/videos/{VIDEO_ID}/poster")


def test_a_failing_progress_record_does_not_stop_the_transcode() -> None:
    """The video's row may be gone (deleted mid-run): the report logs and carries on."""
    context: Any = SimpleNamespace(log=logging.getLogger("t"), instance=Tags(),
                                   run=SimpleNamespace(run_id="r"))

    def gone(percent: float) -> None:
        raise RuntimeError("FOREIGN KEY constraint failed")

    report = ProgressReporter(context, also=gone)
    report(50, 1.0)
    report(100, 1.0)
    assert [c[PERCENT_TAG] for c in context.instance.calls] == ["50", "100"]
