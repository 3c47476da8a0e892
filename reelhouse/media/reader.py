"""Reading an upload: the only ffmpeg input arguments and PyAV opens that may touch it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av

from reelhouse.media.formats import BY_DEMUXER, BY_FORMAT, FORMAT_WHITELIST

if TYPE_CHECKING:
    from reelhouse.media.probe import VideoInfo

# ffmpeg's own VP8/VP9 decoders drop the alpha plane (Matroska keeps it beside the picture,
# as BlockAdditional); only libvpx decodes it, so a transparent clip can be flattened.
_ALPHA_DECODERS = {"vp8": "libvpx", "vp9": "libvpx-vp9"}


def source_input(src: Path | str, demuxer: str, video: VideoInfo | None = None) -> list[str]:
    """ffmpeg input arguments reading an upload with its pinned demuxer and the file only."""
    if demuxer not in BY_DEMUXER:
        raise ValueError(f"source_input: {demuxer!r} is not an accepted demuxer")
    decoder = []
    if video is not None and video.alpha and video.codec in _ALPHA_DECODERS:
        decoder = [f"-c:{video.index}", _ALPHA_DECODERS[video.codec]]
    return ["-protocol_whitelist", "file", "-f", demuxer, *decoder, "-i", str(src)]


@contextmanager
def open_source(src: Path | str, demuxer: str | None = None
                ) -> Iterator[av.container.InputContainer]:
    """Open an upload in PyAV through a file object (no nested opens), with `demuxer` pinned
    or, before the probe has named it, limited to the accepted demuxers."""
    if demuxer is not None and demuxer not in BY_DEMUXER:
        raise ValueError(f"open_source: {demuxer!r} is not an accepted demuxer")
    options = {} if demuxer else {"format_whitelist": FORMAT_WHITELIST}
    with Path(src).open("rb") as f, av.open(f, "r", format=demuxer,
                                            options=options) as container:
        yield container


def detect_demuxer(src: Path | str) -> str:
    """The demuxer to pin for an upload, as the probe would name it (for callers without
    one); ValueError when no accepted demuxer reads it."""
    try:
        with open_source(src) as container:
            return BY_FORMAT[container.format.name].demuxer
    except (av.error.FFmpegError, OSError, KeyError) as e:
        raise ValueError(f"{Path(src).name}: not a file of an accepted container") from e


def main_video(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The stream that is the video: not cover art; of several (a depth map, a preview, a
    second angle) the longest, then the largest picture, then the first; IndexError if none."""
    streams = [s for s in container.streams.video
               if not s.disposition & av.stream.Disposition.attached_pic]

    def weight(s: av.video.stream.VideoStream) -> tuple[float, int, int]:
        seconds = float(s.duration * s.time_base) if s.duration and s.time_base else 0.0
        area = (s.codec_context.width or 0) * (s.codec_context.height or 0)
        return round(seconds, 1), area, -s.index

    if not streams:
        raise IndexError("no video stream")
    return max(streams, key=weight)


def map_video(video: VideoInfo | None) -> str:
    """ffmpeg's `-map` of the main video: its index when probed, else the first non-cover-art."""
    return f"0:{video.index}" if video is not None else "0:V:0"


def time_base(stream: av.stream.Stream) -> Fraction:
    """The stream's time base: PyAV types it optional, yet every demuxed audio or video stream
    carries one, so a missing one is a file we cannot time."""
    if stream.time_base is None:
        raise ValueError(f"stream {stream.index} has no time base")
    return stream.time_base
