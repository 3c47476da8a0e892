"""The object layout: every key is a pure function of the video id (never of user input)."""

from __future__ import annotations

import re

# fullmatch, not match with `$`: `$` also matches before a trailing newline.
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def check_video_id(video_id: str) -> str:
    """The id itself if it is a ULID; ValueError otherwise, so no key holds user text."""
    if not _ULID.fullmatch(video_id):
        raise ValueError(f"video id: not a ULID: {video_id[:40]!r}")
    return video_id


def source_key(video_id: str) -> str:
    """The raw upload, never modified."""
    return f"raw/{check_video_id(video_id)}/source"


def media_prefix(video_id: str) -> str:
    return f"media/{check_video_id(video_id)}/"


def hls_prefix(video_id: str) -> str:
    return f"{media_prefix(video_id)}hls/"


def master_key(video_id: str) -> str:
    """Written last: its presence means the video is playable."""
    return f"{hls_prefix(video_id)}master.m3u8"


def thumbs_prefix(video_id: str) -> str:
    return f"{media_prefix(video_id)}thumbs/"


def catalog_key(table: str, video_id: str) -> str:
    """One Parquet file per video per table until compaction folds them together."""
    return f"catalog/{table}/part-{check_video_id(video_id)}.parquet"


# Inside hls_prefix: "{rung}/index.m3u8", "{rung}/init.mp4", "{rung}/seg_00001.m4s" per
# video rung (rung = "1080p", "720p", ...), the same under "audio/" for the audio group.
RUNG_PLAYLIST = "index.m3u8"


def poster_key(video_id: str) -> str:
    return f"{thumbs_prefix(video_id)}poster.jpg"


def storyboard_vtt_key(video_id: str) -> str:
    """WebVTT whose cues point at `storyboard_NNN.jpg#xywh=...` beside it."""
    return f"{thumbs_prefix(video_id)}storyboard.vtt"


def storyboard_json_key(video_id: str) -> str:
    return f"{thumbs_prefix(video_id)}storyboard.json"


def progressive_key(video_id: str) -> str:
    """The faststart MP4 of a middle rung, for download and players without HLS."""
    return f"{media_prefix(video_id)}download.mp4"
