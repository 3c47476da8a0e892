"""Probing an upload with PyAV: what the file is, and whether we accept it for transcoding."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import av

from reelhouse.errors import MediaError

if TYPE_CHECKING:
    from reelhouse.config import Settings

# Only these demuxers may even look at an upload: playlist-style demuxers (hls, concat,
# image2) open other files or URLs named inside the upload, so they are never probed.
DEMUXERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mov", "matroska,webm": "matroska", "avi": "avi"}
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "prores"})
IMAGE_CODECS = frozenset({"png", "mjpeg", "jpegls", "bmp", "gif", "webp", "tiff", "jpeg2000"})
_IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis")
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_SCAN_PACKETS = 240  # enough packets to tell constant from variable frame rate
MIN_SIDE = 16


class InvalidMediaError(MediaError, ValueError):
    """The upload is not a video we accept; the message is a reason a user can read."""

    def __init__(self, reason: str, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class VideoInfo:
    """The first video stream: display size is after rotation and pixel aspect correction."""

    index: int  # stream index in the file, for ffmpeg's `-map 0:<index>`
    codec: str
    width: int
    height: int
    coded_width: int  # as stored in the stream, before rotation and aspect correction
    coded_height: int
    pix_fmt: str
    bit_depth: int
    fps: float  # average frame rate
    variable_fps: bool
    rotation: int  # degrees counter-clockwise the player must turn the stored picture
    frame_count: int  # packets seen while scanning (at most 240); 1 means a still image
    profile: str | None = None
    hdr: str = ""  # "pq" (HDR10, Dolby Vision base) or "hlg" (phones, broadcast); "" for SDR
    interlaced: bool = False  # fields, not frames: the ladder deinterlaces first


@dataclass(frozen=True)
class AudioInfo:
    """The first audio stream."""

    index: int
    codec: str
    channels: int
    sample_rate: int


@dataclass(frozen=True)
class Probe:
    """Facts about one media file, read without trusting its name or extension."""

    path: str
    format_name: str  # ffmpeg's demuxer name list, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    container: str  # friendly: mp4, mov, webm, mkv, avi
    duration_s: float
    size_bytes: int
    video: VideoInfo | None
    audio: AudioInfo | None

    @property
    def demuxer(self) -> str:
        """The name to force with ffmpeg `-f`, so the transcode never re-guesses the format."""
        return DEMUXERS[self.format_name]


@dataclass(frozen=True)
class Caps:
    """Limits an accepted upload must stay within."""

    max_duration_s: float
    max_pixels: int
    max_frame_rate: float
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Caps:
        """Caps from the configured limits."""
        return cls(settings.max_duration_s, settings.max_pixels, settings.max_frame_rate,
                   settings.max_upload_bytes)


def _sniff(head: bytes) -> None:
    """Reject, with a precise reason, files whose first bytes say what they are."""
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or (
            head[4:8] == b"ftyp" and head[8:12] in _IMAGE_BRANDS):
        raise InvalidMediaError("this is a still image, not a video", "still_image")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"#EXTM3U", b"ffconcat", b"file ", b"<?xml", b"<MPD")):
        raise InvalidMediaError("this is a playlist that points at other files, not a video",
                                "playlist")
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return
        raise InvalidMediaError("this is a text file, not a video", "text")


def _open_failure(head: bytes, error: Exception) -> InvalidMediaError:
    if isinstance(error, av.error.ArgumentError):  # EINVAL: no allowed demuxer matched
        return InvalidMediaError("this file is not a video we can read (we accept MP4, MOV, "
                                 "WebM, MKV and AVI)", "unreadable")
    if head[4:8] == b"ftyp":  # an MP4 whose index (moov, written last) never arrived
        return InvalidMediaError("the file is truncated: its MP4 index is missing", "truncated")
    return InvalidMediaError("this file is not a video we can read", "unreadable")


def probe(path: str | Path) -> Probe:
    """Probe `path`; any file we cannot read raises `InvalidMediaError` with a reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InvalidMediaError("the file could not be read", "unreadable") from e
    if size == 0:
        raise InvalidMediaError("the file is empty", "empty")
    _sniff(head)
    try:
        # A file object (not a path) plus a demuxer allowlist: no nested file or URL opens.
        with path.open("rb") as f, av.open(
                f, "r", options={"format_whitelist": ",".join(DEMUXERS)}) as container:
            return _read(container, path, size, head)
    except InvalidMediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError, ZeroDivisionError) as e:
        raise _open_failure(head, e) from e


def _read(container: av.container.InputContainer, path: Path, size: int, head: bytes) -> Probe:
    fmt = container.format.name
    container_name = {"mov": "mov" if head[8:12] == b"qt  " else "mp4",
                      "matroska": "webm" if b"webm" in head[:64] else "mkv"}.get(
                          DEMUXERS[fmt], DEMUXERS[fmt])
    duration = container.duration / 1e6 if container.duration else 0.0
    audio = None
    if container.streams.audio:
        a = container.streams.audio[0]
        audio = AudioInfo(a.index, a.codec_context.name, a.codec_context.channels or 0,
                          a.codec_context.sample_rate or 0)
    # Cover art in an audio file is a one-picture "video" stream: not what we transcode.
    streams = [s for s in container.streams.video
               if not s.disposition & av.stream.Disposition.attached_pic]
    video = _video(container, streams[0]) if streams else None
    if video and not duration:
        raise InvalidMediaError("the file does not say how long it is", "unreadable")
    if video and video.frame_count > 1:
        _check_complete(container, duration)
    return Probe(str(path), fmt, container_name, round(duration, 3), size, video, audio)


# AVColorTransferCharacteristic values of the HDR transfer functions we tone-map.
_HDR_TRANSFERS = {16: "pq", 18: "hlg"}


def _video(container: av.container.InputContainer, stream: av.video.VideoStream) -> VideoInfo:
    pts: list[int] = []
    count, frame = 0, None
    for packet in container.demux(stream):
        if packet.size == 0:  # the empty packet demux() yields at the end of the file
            continue
        count += 1
        if packet.pts is not None:
            pts.append(packet.pts)
        if frame is None:
            try:
                frames = stream.decode(packet)
            except av.error.FFmpegError as e:
                raise InvalidMediaError("the video track cannot be decoded", "undecodable") from e
            frame = frames[0] if frames else None
        if count >= _SCAN_PACKETS:
            break
    if frame is None:  # a one-frame stream only yields its frame when the decoder is flushed
        frames = stream.decode(None)
        frame = frames[0] if frames else None
    if frame is None:
        raise InvalidMediaError("the video track cannot be decoded", "undecodable")
    rotation = int(round(frame.rotation or 0)) % 360
    w, h = stream.codec_context.width, stream.codec_context.height
    sar = stream.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:
        w = int(round(w * sar))
    if rotation in (90, 270):
        w, h = h, w
    tb = stream.time_base
    deltas = sorted(float((b - a) * tb) for a, b in pairwise(sorted(pts)) if b > a)
    rate = stream.average_rate or stream.guessed_rate
    fps = float(rate) if rate else (1 / statistics.median(deltas) if deltas else 0.0)
    # Timestamps quantised to a millisecond (Matroska) wobble by 1 ms without being variable.
    variable = bool(deltas) and deltas[-1] - deltas[0] > max(0.002, 0.1 * deltas[len(deltas) // 2])
    fmt = stream.format
    depth = max((c.bits for c in fmt.components), default=8) if fmt else 8
    return VideoInfo(stream.index, stream.codec_context.name, w, h, stream.codec_context.width,
                     stream.codec_context.height, fmt.name if fmt else "unknown", depth,
                     round(fps, 3), variable, rotation, count, stream.profile,
                     hdr=_HDR_TRANSFERS.get(frame.color_trc or stream.codec_context.color_trc,
                                            ""),
                     interlaced=bool(frame.interlaced_frame))


def _check_complete(container: av.container.InputContainer, duration: float) -> None:
    """Raise if the packets stop well before the duration the header promises."""
    container.seek(int(max(0.0, duration - 3.0) * 1e6))
    end = 0.0
    try:
        for packet in container.demux():
            if packet.pts is not None and packet.stream.type in ("video", "audio"):
                end = max(end, float((packet.pts + (packet.duration or 0))
                                     * packet.stream.time_base))
    except av.error.FFmpegError:
        pass  # a read error past the last whole packet is what truncation looks like
    if end < duration - max(1.0, 0.02 * duration):
        raise InvalidMediaError(f"the file is truncated: it stops at {end:.1f}s of "
                                f"{duration:.1f}s", "truncated")


def validate(p: Probe, caps: Caps) -> None:
    """Raise `InvalidMediaError` unless `p` is a video we transcode within `caps`."""
    if p.size_bytes == 0:
        raise InvalidMediaError("the file is empty", "empty")
    if p.size_bytes > caps.max_bytes:
        raise InvalidMediaError(f"the file is {p.size_bytes / 1e9:.1f} GB; the limit is "
                                f"{caps.max_bytes / 1e9:.1f} GB", "too_big")
    if p.format_name not in DEMUXERS:
        raise InvalidMediaError("this file is not a video we can read", "container")
    v = p.video
    if v is None:
        raise InvalidMediaError("the file has no video track", "no_video")
    if v.frame_count <= 1 or v.codec in IMAGE_CODECS:
        raise InvalidMediaError("this is a still image, not a video", "still_image")
    if v.codec not in VIDEO_CODECS:
        raise InvalidMediaError(f"the video codec {v.codec} is not supported", "codec")
    if min(v.width, v.height) < MIN_SIDE:
        raise InvalidMediaError(f"the picture is too small ({v.width}x{v.height})", "too_small")
    pixels = max(v.width * v.height, v.coded_width * v.coded_height)
    if pixels > caps.max_pixels:
        limit = math.isqrt(caps.max_pixels * 16 // 9)
        raise InvalidMediaError(f"the picture is too large ({v.width}x{v.height}); the limit "
                                f"is about {limit}x{limit * 9 // 16}", "too_large")
    if v.fps > caps.max_frame_rate:
        raise InvalidMediaError(f"the frame rate is too high ({v.fps:g} fps); the limit is "
                                f"{caps.max_frame_rate:g}", "frame_rate")
    if p.duration_s > caps.max_duration_s:
        raise InvalidMediaError(f"the video is too long ({_hms(p.duration_s)}); the limit is "
                                f"{_hms(caps.max_duration_s)}", "too_long")


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"
