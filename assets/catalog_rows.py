"""Catalog rows of one video, built from the API row and the facts its products left."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reelhouse.media.hls import Rendition
from reelhouse.records import Video, VideoStatus


def _rendition(data: dict[str, Any]) -> Rendition:
    return Rendition(**data)


def video_row(video: Video, probe: dict[str, Any], hls: dict[str, Any],
              thumbs: dict[str, Any] | None, now: datetime | None = None) -> dict[str, Any]:
    """The `videos` row: what the owner gave, what probing found, what processing made."""
    now = now or datetime.now(UTC)
    p = probe["probe"] or {}
    v, a = p.get("video") or {}, p.get("audio") or {}
    rungs = [_rendition(r) for r in hls["renditions"]]
    sound = _rendition(hls["audio"]) if hls.get("audio") else None
    started = datetime.fromisoformat(probe["started_at"]) if probe.get("started_at") else None
    return {
        "owner": video.owner, "owner_id": video.owner_id, "title": video.title,
        "description": video.description, "visibility": video.visibility,
        "status": VideoStatus.READY,
        "failure_reason": "", "filename": video.filename, "content_type": video.content_type,
        "source_size": p.get("size_bytes", video.source_size),
        "source_sha256": video.source_sha256, "container": p.get("container"),
        "duration_s": p.get("duration_s"), "width": v.get("width"), "height": v.get("height"),
        "fps": v.get("fps"), "video_codec": v.get("codec"), "pix_fmt": v.get("pix_fmt"),
        "bit_depth": v.get("bit_depth"), "rotation": v.get("rotation"),
        "audio_codec": a.get("codec"), "audio_channels": a.get("channels"),
        "ladder_version": hls["ladder_version"], "rung_count": len(rungs),
        "hls_bytes": sum(r.total_bytes for r in [*rungs, *([sound] if sound else [])]),
        "poster_key": thumbs["poster"]["key"] if thumbs else None,
        "created_at": video.created_at, "uploaded_at": video.uploaded_at, "processed_at": now,
        "processing_s": round((now - started).total_seconds(), 3) if started else None,
        "transcode_s": hls["elapsed_s"], "realtime_factor": hls["realtime_x"],
        "updated_at": video.updated_at,
    }


def rendition_rows(hls: dict[str, Any], quality: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One `renditions` row per video rung; bandwidth as the master playlist states it."""
    sound = _rendition(hls["audio"]) if hls.get("audio") else None
    scores = (quality or {}).get("rungs", {})
    rows = []
    for r in map(_rendition, hls["renditions"]):
        s = scores.get(r.name, {})
        rows.append({
            "rung": r.name, "width": r.width, "height": r.height,
            "bandwidth": r.peak_bitrate + (sound.peak_bitrate if sound else 0),
            "avg_bitrate": r.bitrate, "bytes": r.total_bytes, "segment_count": r.segment_count,
            "codecs": ",".join(c for c in (r.codecs, sound.codecs if sound else "") if c),
            "ladder_version": hls["ladder_version"], "vmaf": s.get("vmaf"),
            "ssim": s.get("ssim"), "psnr": s.get("psnr"),
        })
    return rows


def thumbnail_rows(thumbs: dict[str, Any]) -> list[dict[str, Any]]:
    """The poster, then one `thumbnails` row per storyboard sprite sheet."""
    poster, board = thumbs["poster"], thumbs["storyboard"]
    rows = [{"kind": "poster", "key": poster["key"], "width": poster["width"],
             "height": poster["height"], "count": 1, "interval_s": None}]
    rows += [{"kind": "storyboard", "key": s["key"], "width": s["width"], "height": s["height"],
              "count": s["count"], "interval_s": board["interval_s"]} for s in board["sheets"]]
    return rows
