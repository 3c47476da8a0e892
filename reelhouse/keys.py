"""The object layout: every key is a pure function of the video id (never of user input)."""

from __future__ import annotations

import re

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def check_video_id(video_id: str) -> str:
    """The id itself if it is a ULID; ValueError otherwise, so no key holds user text."""
    if not _ULID.match(video_id):
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
