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
from reelhouse.media.formats import ACCEPTED, BY_FORMAT, Container, container_for
from reelhouse.media.reader import main_video, open_source, time_base

if TYPE_CHECKING:
    from reelhouse.config import Settings

_IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis")
# GIF is not here: an animated one is a video (the gif demuxer), a one-frame one a still.
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")
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
    codec: str  # ffmpeg's codec name (av1), not its decoder's (libdav1d)
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
    alpha: bool = False  # a transparency plane: the ladder flattens the picture onto black


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
    container: str  # friendly: mp4, mov, m4v, 3gp, webm, mkv, avi, ts, m2ts, mpeg, mxf...
    duration_s: float
    size_bytes: int
    video: VideoInfo | None
    audio: AudioInfo | None

    @property
    def demuxer(self) -> str:
        """The name to force with ffmpeg `-f`, so the transcode never re-guesses the format."""
        return BY_FORMAT[self.format_name].demuxer


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
        return InvalidMediaError(f"this file is not a video we can read (we accept {ACCEPTED})",
                                 "unreadable")
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
        with open_source(path) as container:
            return _read(container, path, size, head)
    except InvalidMediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError, ZeroDivisionError) as e:
        raise _open_failure(head, e) from e


def _friendly_name(row: Container, head: bytes) -> str:
    """The name a user knows the file by, told apart by its first bytes where one demuxer
    reads several kinds."""
    if row.name == "mp4":
        brand = head[8:12]
        return ("mov" if brand == b"qt  " else "m4v" if brand.startswith(b"M4V")
                else "3gp" if brand.startswith((b"3gp", b"3g2")) else "mp4")
    if row.name == "mkv":
        return "webm" if b"webm" in head[:64] else "mkv"
    if row.name == "mpegts":  # Blu-ray and AVCHD put a 4-byte clock before each packet
        return "m2ts" if head[4:5] == b"G" and head[196:197] == b"G" else "ts"
    return row.name


def codec_name(stream: av.stream.Stream) -> str:
    """ffmpeg's name for the stream's codec, whichever decoder PyAV picked for it."""
    return stream.codec_context.codec.canonical_name


def _audio(container: av.container.InputContainer, row: Container) -> AudioInfo | None:
    """The first audio stream whose codec we accept, else the first one (refused later)."""
    streams = list(container.streams.audio)
    if not streams:
        return None
    a = next((s for s in streams if codec_name(s) in row.audio), streams[0])
    return AudioInfo(a.index, codec_name(a), a.codec_context.channels or 0,
                     a.codec_context.sample_rate or 0)


def _read(container: av.container.InputContainer, path: Path, size: int, head: bytes) -> Probe:
    fmt = container.format.name
    row = container_for(fmt)
    if row is None:  # the whitelist let it through, so the table and it disagree
        raise InvalidMediaError("this file is not a video we can read", "container")
    duration = container.duration / 1e6 if container.duration else 0.0
    audio = _audio(container, row)
    try:
        stream = main_video(container)
    except IndexError:
        video = None
    else:
        video = _video(container, stream)
    if video and not duration:
        raise InvalidMediaError("the file does not say how long it is", "unreadable")
    if video and video.frame_count > 1:
        _check_complete(container, duration, path)
    return Probe(str(path), fmt, _friendly_name(row, head), round(duration, 3), size, video,
                 audio)


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
    tb = time_base(stream)
    deltas = sorted(float((b - a) * tb) for a, b in pairwise(sorted(pts)) if b > a)
    fps = _frame_rate(stream, deltas)
    # Timestamps quantised to a millisecond (Matroska) wobble by 1 ms without being variable.
    variable = bool(deltas) and deltas[-1] - deltas[0] > max(0.002, 0.1 * deltas[len(deltas) // 2])
    fmt = stream.format or frame.format
    depth = max((c.bits for c in fmt.components), default=8) if fmt else 8
    # VP8/VP9 keep alpha beside the picture (Matroska's alpha_mode), not in the pixel format.
    alpha = (any(c.is_alpha for c in fmt.components) if fmt else False) or (
        stream.metadata.get("alpha_mode") == "1")
    return VideoInfo(stream.index, codec_name(stream), w, h, stream.codec_context.width,
                     stream.codec_context.height, fmt.name if fmt else "unknown", depth,
                     round(fps, 3), variable, rotation, count, stream.profile,
                     hdr=_HDR_TRANSFERS.get(frame.color_trc or stream.codec_context.color_trc,
                                            ""),
                     interlaced=bool(frame.interlaced_frame), alpha=alpha)


def _frame_rate(stream: av.video.VideoStream, deltas: list[float]) -> float:
    """The declared rate that the timestamps bear out, else the one they show."""
    measured = 1 / statistics.median(deltas) if deltas else 0.0
    for rate in (stream.average_rate, stream.guessed_rate):
        # The DV demuxer declares its 1/60000 time base as the average rate.
        if rate and (not measured or 0.4 < float(rate) / measured < 2.5):
            return float(rate)
    return measured


def _check_complete(container: av.container.InputContainer, duration: float,
                    path: Path) -> None:
    """Raise if the packets stop well before the duration the header promises."""
    # Times are from the file's start, which a broadcast capture puts hours in and an edit
    # list a little before zero.
    start = (container.start_time or 0) / 1e6
    try:
        container.seek(int((start + max(0.0, duration - 3.0)) * 1e6))
        end = _last_packet_end(container, start)
    except av.error.FFmpegError:  # no index to seek by (an FLV without one): read it all
        with open_source(path, BY_FORMAT[container.format.name].demuxer) as again:
            end = _last_packet_end(again, start)
    if end < duration - max(1.0, 0.02 * duration):
        raise InvalidMediaError(f"the file is truncated: it stops at {end:.1f}s of "
                                f"{duration:.1f}s", "truncated")


def _last_packet_end(container: av.container.InputContainer, start: float) -> float:
    """Where the last audio or video packet from here on ends, in seconds from `start`."""
    end = 0.0
    try:
        for packet in container.demux():
            if packet.pts is not None and packet.stream.type in ("video", "audio"):
                end = max(end, float((packet.pts + (packet.duration or 0))
                                     * time_base(packet.stream)) - start)
    except av.error.FFmpegError:
        pass  # a read error past the last whole packet is what truncation looks like
    return end


def validate(p: Probe, caps: Caps) -> None:
    """Raise `InvalidMediaError` unless `p` is a video we transcode within `caps`."""
    if p.size_bytes == 0:
        raise InvalidMediaError("the file is empty", "empty")
    if p.size_bytes > caps.max_bytes:
        raise InvalidMediaError(f"the file is {p.size_bytes / 1e9:.1f} GB; the size limit is "
                                f"{caps.max_bytes / 1e9:.1f} GB", "too_big")
    row = container_for(p.format_name)
    if row is None:
        raise InvalidMediaError("this file is not a video we can read", "container")
    v = p.video
    if v is None:
        raise InvalidMediaError("the file has no video track", "no_video")
    if min(v.width, v.height) < MIN_SIDE:
        raise InvalidMediaError(f"the picture is too small ({v.width}x{v.height}); the "
                                f"minimum is {MIN_SIDE} pixels a side", "too_small")
    pixels = max(v.width * v.height, v.coded_width * v.coded_height)
    if pixels > caps.max_pixels:
        limit = math.isqrt(caps.max_pixels * 16 // 9)
        raise InvalidMediaError(f"the picture is too large ({v.width}x{v.height}); the size "
                                f"limit is {caps.max_pixels:,} pixels, about "
                                f"{limit}x{limit * 9 // 16}", "too_large")
    # After the size cap: a huge one-frame file is refused for its size, what it is first.
    if v.frame_count <= 1:
        raise InvalidMediaError("this is a still image, not a video", "still_image")
    if v.codec not in row.video:
        raise InvalidMediaError(f"the video codec {v.codec} is not supported in "
                                f"{p.container.upper()} files", "codec")
    if p.audio is not None and p.audio.codec not in row.audio:
        raise InvalidMediaError(f"the audio codec {p.audio.codec} is not supported in "
                                f"{p.container.upper()} files", "audio_codec")
    if v.fps > caps.max_frame_rate:
        raise InvalidMediaError(f"the frame rate is too high ({v.fps:g} fps); the frame rate "
                                f"limit is {caps.max_frame_rate:g} fps", "frame_rate")
    if p.duration_s > caps.max_duration_s:
        raise InvalidMediaError(f"the video is too long ({_hms(p.duration_s)}); the length "
                                f"limit is {_hms(caps.max_duration_s)}", "too_long")


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"
