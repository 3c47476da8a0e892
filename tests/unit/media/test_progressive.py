"""Choosing the download rung and the remux argv."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.media.progressive import pick_download_rung, remux_argv

LADDER = [("1080p", 1080), ("720p", 720), ("480p", 480), ("360p", 360)]


@pytest.mark.parametrize(("rungs", "expected"), [
    (LADDER, "720p"),
    (list(reversed(LADDER)), "720p"),
    ([("1080p", 1080), ("480p", 480), ("360p", 360)], "480p"),
    ([("1080p", 1080), ("540p", 540), ("360p", 360), ("240p", 240)], "540p"),
    ([("1080p", 1080), ("360p", 360)], "360p"),
    ([("360p", 360), ("240p", 240)], "360p"),
    ([("2160p", 2160), ("1440p", 1440)], "1440p"),
    ([("only", 144)], "only"),
])
def test_download_rung_is_closest_to_720(rungs: list[tuple[str, int]], expected: str) -> None:
    """720p wins when present; otherwise the nearest height, the smaller one on a tie."""
    assert pick_download_rung(rungs) == expected


def test_download_rung_needs_rungs() -> None:
    """An empty ladder is a ValueError, not an IndexError."""
    with pytest.raises(ValueError):
        pick_download_rung([])


def test_remux_argv_copies_with_faststart() -> None:
    """Video from input 0 and audio from input 1 (each read as fMP4 through its concatf list
    only) are stream-copied into a faststart MP4."""
    pinned = ["-protocol_whitelist", "concatf,file", "-f", "mov"]
    assert remux_argv("ffmpeg", "concatf:v.txt", "concatf:a.txt", Path("out.mp4")) == [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        *pinned, "-i", "concatf:v.txt", *pinned, "-i", "concatf:a.txt",
        "-map", "0:v:0", "-map", "1:a:0",
        "-c", "copy", "-movflags", "+faststart", "-f", "mp4", "out.mp4"]


def test_remux_argv_without_audio_group_maps_optional_audio() -> None:
    """With no audio group only input 0 is read, and its audio is taken only if it has one."""
    argv = remux_argv("ffmpeg", "concatf:v.txt", None, Path("out.mp4"))
    assert argv.count("-i") == 1
    assert "0:a:0?" in argv
