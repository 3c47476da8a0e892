"""The object layout: every key is a pure function of the video id and, for what processing
makes, of the media version (never of user input)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from ulid import ULID

# fullmatch, not match with `$`: `$` also matches before a trailing newline.
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def check_video_id(video_id: str) -> str:
    """The id itself if it is a ULID; ValueError otherwise, so no key holds user text."""
    if not _ULID.fullmatch(video_id):
        raise ValueError(f"video id: not a ULID: {video_id[:40]!r}")
    return video_id


def check_version(version: str) -> str:
    """The media version itself if it is a ULID; ValueError otherwise."""
    if not isinstance(version, str) or not _ULID.fullmatch(version):
        raise ValueError(f"media version: not a ULID: {str(version)[:40]!r}")
    return version


def run_version(run_id: str, created_at: datetime) -> str:
    """The media version one pipeline run writes: a ULID of the run's creation time and a
    digest of its id, so every step of the run (on any host, after any retry) names the same
    version, a new run never reuses one, and a version's age reads from its name."""
    random = hashlib.sha256(f"reelhouse media version {run_id}".encode()).digest()[:10]
    return str(ULID.from_bytes(int(created_at.timestamp() * 1000).to_bytes(6, "big") + random))


def version_time(version: str) -> datetime:
    """When the run that wrote `version` was created (the ULID's time)."""
    return ULID.from_str(check_version(version)).datetime


def source_key(video_id: str) -> str:
    """The raw upload, never modified."""
    return f"raw/{check_video_id(video_id)}/source"


def media_prefix(video_id: str) -> str:
    """Everything processing made of the video, every version."""
    return f"media/{check_video_id(video_id)}/"


def facts_prefix(video_id: str) -> str:
    """Facts about the upload itself (the probe), shared by every version."""
    return f"{media_prefix(video_id)}facts/"


def version_prefix(video_id: str, version: str) -> str:
    """One processing's products: written once, never changed, removed as a whole."""
    return f"{media_prefix(video_id)}{check_version(version)}/"


def hls_prefix(video_id: str, version: str) -> str:
    return f"{version_prefix(video_id, version)}hls/"


def master_key(video_id: str, version: str) -> str:
    return f"{hls_prefix(video_id, version)}master.m3u8"


def thumbs_prefix(video_id: str, version: str) -> str:
    return f"{version_prefix(video_id, version)}thumbs/"


def catalog_key(table: str, video_id: str) -> str:
    """One Parquet file per video per table until compaction folds them together."""
    return f"catalog/{table}/part-{check_video_id(video_id)}.parquet"


# Inside hls_prefix: "{rung}/index.m3u8", "{rung}/init.mp4", "{rung}/seg_00001.m4s" per
# video rung (rung = "1080p", "720p", ...), the same under "audio/" for the audio group.
RUNG_PLAYLIST = "index.m3u8"


def poster_key(video_id: str, version: str) -> str:
    return f"{thumbs_prefix(video_id, version)}poster.jpg"


def storyboard_vtt_key(video_id: str, version: str) -> str:
    """WebVTT whose cues point at `storyboard_NNN.jpg#xywh=...` beside it."""
    return f"{thumbs_prefix(video_id, version)}storyboard.vtt"


def storyboard_json_key(video_id: str, version: str) -> str:
    return f"{thumbs_prefix(video_id, version)}storyboard.json"


def progressive_key(video_id: str, version: str) -> str:
    """The faststart MP4 of a middle rung, for download and players without HLS."""
    return f"{version_prefix(video_id, version)}download.mp4"


def version_of(video_id: str, key: str) -> str | None:
    """The media version a key of this video lies under, or None (facts, other videos)."""
    head, _, rest = key.removeprefix(media_prefix(video_id)).partition("/")
    if not rest or key == head or not _ULID.fullmatch(head):
        return None
    return head
