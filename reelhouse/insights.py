"""What the catalog says about videos, as the API answers it: facts, rungs, library totals.

Pydantic alone, like `reelhouse.records`: the API answers with these and the SDK parses
into them, without either side needing DuckDB or pyarrow.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class _Answer(BaseModel):
    # Columns the catalog gains later are ignored by older SDKs.
    model_config = ConfigDict(frozen=True, extra="ignore",
                              json_schema_serialization_defaults_required=True)


class VideoFacts(_Answer):
    """What probing and processing found about one video (None where it was not measured)."""

    video_id: str
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    rung_count: int | None = None
    hls_bytes: int | None = None
    processing_s: float | None = None


class Rung(_Answer):
    """One video rung of a ready video's HLS ladder, with its bitrates, size and scores."""

    rung: str
    width: int | None = None
    height: int | None = None
    bandwidth: int | None = None
    avg_bitrate: int | None = None
    bytes: int | None = None
    segment_count: int | None = None
    codecs: str | None = None
    vmaf: float | None = None
    ssim: float | None = None
    psnr: float | None = None


class DayUploads(_Answer):
    """How many videos were uploaded on one UTC day."""

    day: date
    uploads: int


class DurationBin(_Answer):
    """How many videos last from `start` up to `end` seconds."""

    start: float
    end: float
    count: int


class ProcessingTime(_Answer):
    """How long one video is and how long processing it took (no id, no title)."""

    duration_s: float
    processing_s: float


class Insights(_Answer):
    """Totals and distributions over the processed videos a caller may see."""

    videos: int
    by_status: dict[str, int]
    total_duration_s: float
    source_bytes: int
    hls_bytes: int
    storage_by_rung: dict[str, int]
    uploads_per_day: list[DayUploads]
    duration_histogram: list[DurationBin]
    processing: list[ProcessingTime]
