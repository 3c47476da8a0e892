"""Metadata the Dagster UI shows for a video: rung table, duration, play link, poster."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.media.hls import Rendition
from reelhouse.storage import Storage


def _kbps(bits: int) -> str:
    return f"{bits / 1000:,.0f} kb/s"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


def rung_table(renditions: Sequence[Rendition], audio: Rendition | None = None) -> str:
    """A Markdown table: one row per rung (and the audio group) with size and bitrates."""
    lines = ["| rung | resolution | avg bitrate | peak bitrate | size | segments |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in [*renditions, *([audio] if audio else [])]:
        resolution = f"{r.width}x{r.height}" if r.width else "audio"
        lines.append(f"| {r.name} | {resolution} | {_kbps(r.bitrate)} | "
                     f"{_kbps(r.peak_bitrate)} | {_size(r.total_bytes)} | {r.segment_count} |")
    return "\n".join(lines)


def play_url(settings: Settings, video_id: str) -> str:
    """Where a person watches the video: the dashboard's player for this id."""
    return f"{settings.dashboard_url}/?video={keys.check_video_id(video_id)}"


def poster_markdown(storage: Storage, video_id: str) -> str:
    """The poster as a Markdown image, signed for the longest lifetime settings allow."""
    url = storage.presign_get(keys.poster_key(video_id), storage.settings.max_url_ttl_s)
    return f"![poster]({url})"


def video_summary(settings: Settings, video_id: str, duration_s: float,
                  renditions: Sequence[Rendition] = (), audio: Rendition | None = None
                  ) -> dict[str, dg.MetadataValue]:
    out: dict[str, dg.MetadataValue] = {
        "duration_s": dg.MetadataValue.float(round(duration_s, 3)),
        "play": dg.MetadataValue.url(play_url(settings, video_id)),
    }
    if renditions:
        out["rungs"] = dg.MetadataValue.md(rung_table(renditions, audio))
    return out
