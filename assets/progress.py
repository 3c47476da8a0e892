"""ffmpeg's progress, where people look: log lines and run tags in Dagster, the video's row."""

from __future__ import annotations

import time
from collections.abc import Callable

import dagster as dg

from reelhouse.errors import VideoGone

PERCENT_TAG = "reelhouse/transcode_percent"
SPEED_TAG = "reelhouse/transcode_speed"


class ProgressReporter:
    """A `transcode_hls` progress callback that reports every `step` percent or `every_s`."""

    def __init__(self, context: dg.AssetExecutionContext, step: float = 10,
                 every_s: float = 10, also: Callable[[float], None] | None = None) -> None:
        self.context = context
        self.also = also  # e.g. the API database's record, which the dashboard shows
        self.step, self.every_s = step, every_s
        self._percent, self._at = -step, 0.0
        self.speed: float | None = None

    def __call__(self, percent: float, speed: float | None) -> None:
        self.speed = speed if speed is not None else self.speed
        now = time.monotonic()
        if percent >= 100 and self._percent >= 100:
            return
        if percent < 100 and percent - self._percent < self.step and now - self._at < self.every_s:
            return
        self._percent, self._at = percent, now
        speed_text = f"{speed:.2f}x" if speed is not None else "n/a"
        self.context.log.info(f"transcode {percent:.0f}% at {speed_text} realtime")
        self.context.instance.add_run_tags(
            self.context.run.run_id, {PERCENT_TAG: f"{percent:.0f}", SPEED_TAG: speed_text})
        if self.also is not None:
            try:
                self.also(round(percent, 1))
            except VideoGone:
                raise  # deleted meanwhile: stop ffmpeg, the step cleans up
            except Exception as e:  # noqa: BLE001 - a progress note never stops a transcode
                self.context.log.warning(f"could not record progress: {e}")
