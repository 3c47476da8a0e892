"""The downloadable MP4: one HLS rung (plus its audio group) remuxed into a faststart file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av

from reelhouse.errors import MediaError
from reelhouse.keys import RUNG_PLAYLIST
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.playlists import parse_media_playlist, write_concat_list
from reelhouse.media.reader import time_base

# A remux copies the container's timestamps; more drift than this means a segment went missing.
DURATION_TOLERANCE_S = 0.5
DOWNLOAD_TARGET_HEIGHT = 720
# Our own fMP4 segments, read as such: the mov demuxer pinned, only the concatf list and files.
_RUNG_INPUT = ["-protocol_whitelist", "concatf,file", "-f", "mov"]


class RemuxError(MediaError, RuntimeError):
    """The remuxed MP4 lacks a stream it should have or its duration does not match the rung."""


@dataclass(frozen=True)
class ProgressiveResult:
    """The written MP4 and what PyAV reads back from it."""

    path: Path
    duration_s: float
    size_bytes: int
    video_codec: str
    width: int
    height: int
    audio_codec: str | None
    expected_duration_s: float


def pick_download_rung(rungs: list[tuple[str, int]],
                       target_height: int = DOWNLOAD_TARGET_HEIGHT) -> str:
    """The rung whose height is closest to 720 (ties go to the smaller): 720p if the ladder
    has it, otherwise the middle of a typical ladder."""
    if not rungs:
        raise ValueError("pick_download_rung: no rungs")
    return min(rungs, key=lambda r: (abs(r[1] - target_height), r[1]))[0]


def remux_argv(ffmpeg: str, video_url: str, audio_url: str | None, out_path: Path) -> list[str]:
    """argv that copies the first video (and audio) stream into a faststart MP4, no re-encode."""
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            *_RUNG_INPUT, "-i", video_url]
    if audio_url:
        argv += [*_RUNG_INPUT, "-i", audio_url]
    argv += ["-map", "0:v:0"]
    argv += ["-map", "1:a:0"] if audio_url else ["-map", "0:a:0?"]
    # faststart moves the moov box to the front so players start before the download ends.
    argv += ["-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(out_path)]
    return argv


def _read_back(path: Path) -> tuple[float, str, int, int, str | None]:
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise RemuxError(f"{path.name}: no video stream after remux")
        video = container.streams.video[0]
        duration = (float(video.duration * time_base(video)) if video.duration
                    else (container.duration or 0) / av.time_base)
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        return (duration, video.codec_context.name, video.codec_context.width,
                video.codec_context.height, audio)


def remux_progressive(rung_dir: Path, audio_dir: Path | None, out_path: Path,
                      ffmpeg: str | None = None, timeout_s: float = 1800) -> ProgressiveResult:
    """Remux `rung_dir` (init.mp4 + segments, listed by its index.m3u8) and the audio group
    into a faststart MP4 at `out_path`, replaced atomically; raises `RemuxError` if it is off."""
    rung_dir, out_path = Path(rung_dir), Path(out_path)
    video_playlist = rung_dir / RUNG_PLAYLIST
    expected = parse_media_playlist(video_playlist.read_text()).duration_s
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".remux-", dir=out_path.parent) as tmp:
        work = Path(tmp)
        video_url = write_concat_list(video_playlist, work / "video.txt")
        audio_url = (write_concat_list(Path(audio_dir) / RUNG_PLAYLIST, work / "audio.txt")
                     if audio_dir else None)
        partial = work / "download.mp4"
        run_ffmpeg(remux_argv(ffmpeg_path(ffmpeg), video_url, audio_url, partial), timeout_s)
        duration, vcodec, width, height, acodec = _read_back(partial)
        if audio_dir and acodec is None:
            raise RemuxError(f"{out_path.name}: the audio group was not carried over")
        if abs(duration - expected) > DURATION_TOLERANCE_S:
            raise RemuxError(f"{out_path.name}: video lasts {duration:.3f}s, "
                             f"the rung playlist says {expected:.3f}s")
        os.replace(partial, out_path)
    return ProgressiveResult(out_path, duration, out_path.stat().st_size, vcodec, width,
                             height, acodec, expected)
