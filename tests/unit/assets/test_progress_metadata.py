"""Progress reporting and the metadata the Dagster UI shows for a video."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from assets.metadata import play_url, rung_table
from assets.progress import PERCENT_TAG, SPEED_TAG, ProgressReporter
from reelhouse.config import load_settings
from reelhouse.media.hls import Rendition
from tests.unit.pipelines.fakes import VIDEO_ID


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


def test_rung_table_is_markdown_with_resolution_bitrate_and_size() -> None:
    """One Markdown row per rung and for the audio group, with human units."""
    rungs = [Rendition("720p", 1280, 720, 2_500_000, 3_000_000, 3_200_000, 3, 10.0, "avc1")]
    audio = Rendition("audio", None, None, 128_000, 130_000, 160_000, 3, 10.0, "mp4a")
    table = rung_table(rungs, audio).splitlines()
    assert table[0].startswith("| rung | resolution | avg bitrate")
    assert table[2] == "| 720p | 1280x720 | 2,500 kb/s | 3,000 kb/s | 3.2 MB | 3 |"
    assert table[3] == "| audio | audio | 128 kb/s | 130 kb/s | 160.0 KB | 3 |"


def test_play_url_points_at_the_dashboard_player() -> None:
    """The play link opens the dashboard's player on this video."""
    settings = load_settings(public_host="media.example", dashboard_port=5006)
    assert play_url(settings, VIDEO_ID) == f"http://media.example:5006/?video={VIDEO_ID}"


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
