"""Playlists of a media version while it is built: rendered from its layout and how much of
it is published, EVENT (growing, no ENDLIST) until it is complete, then VOD with ENDLIST.

A rendered rung playlist lists segments 1..n of the layout's fixed grid, so whatever order
chunks finish in, a player only ever sees the list grow at its end: the durations come from
the layout (frames / rate), never from an encoder, and every rung renders the same list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from reelhouse.errors import MediaError
from reelhouse.keys import RUNG_PLAYLIST
from reelhouse.media.chunks import Chunk

if TYPE_CHECKING:
    from reelhouse.media.ladder import LadderPlan

# The names reelhouse.media.hls writes (tests pin them equal): that module loads PyAV, which
# the API, rendering these playlists, does not install.
AUDIO_NAME, AUDIO_GROUP, INIT_NAME, MASTER_NAME = "audio", "aud", "init.mp4", "master.m3u8"
AAC_LC = "mp4a.40.2"
_RUNG_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


class LayoutError(MediaError, ValueError):
    """A build layout that does not tile its frames into numbered segments, or durations
    that do not fit the playlist it fixes."""


def segment_name(number: int) -> str:
    """The file name of global segment `number` (1-based) in a rung or the audio folder."""
    return f"seg_{number:05d}.m4s"


class ChunkLike(Protocol):
    """What a chunk plan gives per chunk (reelhouse.media.chunks.Chunk has these fields)."""

    @property
    def index(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def first_segment(self) -> int: ...
    @property
    def segment_starts(self) -> Sequence[int]: ...


@dataclass(frozen=True)
class LayoutRung:
    """A video rung as the master playlist announces it (bits per second, RFC 6381 codecs)."""

    name: str
    width: int
    height: int
    bitrate: int
    maxrate: int
    codecs: str


@dataclass(frozen=True)
class LayoutAudio:
    """The one audio rendition every rung shares."""

    codecs: str
    channels: int
    bitrate: int


@dataclass(frozen=True)
class Layout:
    """What a build will publish, fixed when it begins: the output frame rate, the chunks
    tiling frames [0, total_frames) on the segment grid, the rungs and the audio."""

    rate: Fraction
    total_frames: int
    chunks: tuple[Chunk, ...]
    rungs: tuple[LayoutRung, ...]
    audio: LayoutAudio | None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.total_frames <= 0 or not self.chunks or not self.rungs:
            raise LayoutError("layout: needs a rate, frames, chunks and rungs")
        frame, segment = 0, 1
        for i, chunk in enumerate(self.chunks):
            starts = chunk.segment_starts
            if (chunk.index != i or chunk.start != frame or chunk.end <= chunk.start
                    or chunk.first_segment != segment or not starts or starts[0] != chunk.start
                    or any(b <= a for a, b in zip(starts, starts[1:], strict=False))
                    or starts[-1] >= chunk.end):
                raise LayoutError(f"layout: chunk {i} does not continue the grid: {chunk}")
            frame, segment = chunk.end, segment + len(starts)
        if frame != self.total_frames:
            raise LayoutError(f"layout: chunks end at frame {frame}, not {self.total_frames}")
        names = [r.name for r in self.rungs]
        if len(set(names)) != len(names) or AUDIO_NAME in names or any(
                not name or not set(name) <= _RUNG_NAME_CHARS for name in names):
            raise LayoutError(f"layout: rung names must be distinct folder names: {names}")

    @classmethod
    def of(cls, plan: LadderPlan, chunks: Sequence[ChunkLike], total_frames: int) -> Layout:
        """The layout of a ladder plan encoded as these chunks (pipeline side: loads PyAV)."""
        # The codec string hls.py falls back on when ffmpeg's master gives none: while a
        # build runs no ffmpeg master exists yet, so the planned profile and level name it.
        from reelhouse.media.hls import avc1

        rungs = tuple(LayoutRung(r.name, r.width, r.height, r.bitrate, r.maxrate,
                                 avc1(r.profile, r.level)) for r in plan.rungs)
        audio = (LayoutAudio(AAC_LC, plan.audio.channels, plan.audio.bitrate)
                 if plan.audio is not None else None)
        return cls(plan.frame_rate, total_frames,
                   tuple(Chunk(c.index, c.start, c.end, c.first_segment,
                               tuple(c.segment_starts)) for c in chunks), rungs, audio)

    @cached_property
    def segment_durations(self) -> tuple[Fraction, ...]:
        """Every segment's exact length in seconds, in play order (segment 1 first)."""
        starts = [s for chunk in self.chunks for s in chunk.segment_starts]
        ends = [*starts[1:], self.total_frames]
        return tuple(Fraction(end - start) / self.rate for start, end in zip(starts, ends,
                                                                             strict=True))

    @property
    def segment_count(self) -> int:
        return len(self.segment_durations)

    @cached_property
    def target_duration(self) -> int:
        """EXT-X-TARGETDURATION of every playlist of the build, for its whole life: the
        longest planned segment, rounded to the nearest second as RFC 8216 4.3.3.1 rounds."""
        return max(1, max(_nearest(d) for d in self.segment_durations))

    def seconds(self, segments: int) -> float:
        """How long the first `segments` segments play."""
        return float(sum(self.segment_durations[:segments], Fraction(0)))

    def prefix_segments(self, done: str) -> int:
        """The segments of the longest run of finished chunks from chunk 0 (`done` holds a
        "1" per finished chunk): all a player may see, whatever else is finished."""
        count = 0
        for chunk, mark in zip(self.chunks, done, strict=False):
            if mark != "1":
                break
            count += len(chunk.segment_starts)
        return count

    def to_json(self) -> str:
        """The layout as the JSON the build row keeps (see `from_json`)."""
        data: dict[str, Any] = {
            "rate": f"{self.rate.numerator}/{self.rate.denominator}",
            "total_frames": self.total_frames,
            "chunks": [{"index": c.index, "start": c.start, "end": c.end,
                        "first_segment": c.first_segment,
                        "segment_starts": list(c.segment_starts)} for c in self.chunks],
            "rungs": [vars(r) for r in self.rungs],
            "audio": vars(self.audio) if self.audio is not None else None}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Layout:
        """The layout `to_json` wrote; LayoutError when it is not one."""
        try:
            data = json.loads(text)
            return cls(Fraction(data["rate"]), int(data["total_frames"]),
                       tuple(Chunk(int(c["index"]), int(c["start"]), int(c["end"]),
                                   int(c["first_segment"]),
                                   tuple(int(s) for s in c["segment_starts"]))
                             for c in data["chunks"]),
                       tuple(LayoutRung(**r) for r in data["rungs"]),
                       LayoutAudio(**data["audio"]) if data["audio"] is not None else None)
        except LayoutError:
            raise
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            raise LayoutError(f"layout: not a build layout: {e!r}") from e


def _nearest(seconds: Fraction | float) -> int:
    """Rounded half up, not to even: 4.5 s needs a target duration of 5."""
    return int(Fraction(seconds) + Fraction(1, 2))


# Players start a growing playlist at its beginning, not at the live edge (hls.js, Safari
# and ffmpeg read it here; in the multivariant playlist ffmpeg refuses it as a media tag).
# The finished playlists keep it: a playlist a player has seen only grows.
START = "#EXT-X-START:TIME-OFFSET=0,PRECISE=YES"


def _media_header(target: int, ended: bool) -> list[str]:
    return ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}",
            "#EXT-X-MEDIA-SEQUENCE:1", f"#EXT-X-PLAYLIST-TYPE:{'VOD' if ended else 'EVENT'}",
            "#EXT-X-INDEPENDENT-SEGMENTS", START, f'#EXT-X-MAP:URI="{INIT_NAME}"']


def _media_playlist(target: int, durations: Sequence[Fraction | float], ended: bool) -> str:
    lines = _media_header(target, ended)
    for number, duration in enumerate(durations, start=1):
        lines += [f"#EXTINF:{float(duration):.6f},", segment_name(number)]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def rung_playlist(layout: Layout, segments: int, ended: bool = False) -> str:
    """A rung's playlist listing its first `segments` segments: EVENT while the build goes
    on, VOD with ENDLIST once `ended` (then every segment of the layout)."""
    if not 0 <= segments <= layout.segment_count:
        raise LayoutError(f"rung playlist: {segments} of {layout.segment_count} segments")
    if ended and segments != layout.segment_count:
        raise LayoutError(f"rung playlist: ended after {segments} of "
                          f"{layout.segment_count} segments")
    return _media_playlist(layout.target_duration, layout.segment_durations[:segments], ended)


def check_audio_durations(layout: Layout, durations: Sequence[float]) -> None:
    """LayoutError unless every audio segment fits the target duration the layout fixed (the
    audio playlist shares it, and it may not change while players reload)."""
    for number, duration in enumerate(durations, start=1):
        if not 0 < duration or _nearest(duration) > layout.target_duration:
            raise LayoutError(f"audio segment {number}: {duration} s does not fit a target "
                              f"duration of {layout.target_duration} s")


def audio_playlist(layout: Layout, durations: Sequence[float], ended: bool = False) -> str:
    """The audio playlist of the segments the audio encoder has listed so far (their
    durations, in order): EVENT while the build goes on, VOD with ENDLIST once `ended`."""
    if layout.audio is None:
        raise LayoutError("audio playlist: the layout has no audio")
    check_audio_durations(layout, durations)
    return _media_playlist(layout.target_duration, durations, ended)


def building_master(layout: Layout) -> str:
    """The master playlist while the build goes on: bandwidths planned (the encoders'
    maxrate and bitrate); its media playlists tell players to start at the beginning."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio = layout.audio
    if audio is not None:
        lines.append(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="{AUDIO_NAME}",'
                     f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="{audio.channels}",'
                     f'URI="{AUDIO_NAME}/{RUNG_PLAYLIST}"')
    for r in layout.rungs:
        extra = audio.bitrate if audio is not None else 0
        codecs = ",".join([r.codecs, *([audio.codecs] if audio is not None else [])])
        group = f',AUDIO="{AUDIO_GROUP}"' if audio is not None else ""
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={r.maxrate + extra},"
                  f"AVERAGE-BANDWIDTH={r.bitrate + extra},RESOLUTION={r.width}x{r.height},"
                  f'FRAME-RATE={float(layout.rate):.3f},CODECS="{codecs}"{group}',
                  f"{r.name}/{RUNG_PLAYLIST}"]
    return "\n".join(lines) + "\n"


def playlist_at(layout: Layout, relative: str, segments: int, audio_durations: Sequence[float],
                ended: bool = False) -> str:
    """The playlist at `relative` under the version's hls/ ("master.m3u8", "{rung}/index.m3u8"
    or "audio/index.m3u8") with `segments` video segments and these audio ones published;
    ValueError (LayoutError) for a path the layout has no playlist at."""
    folder, _, name = relative.partition("/")
    if relative == MASTER_NAME and not ended:
        return building_master(layout)
    if name == RUNG_PLAYLIST and folder == AUDIO_NAME and layout.audio is not None:
        return audio_playlist(layout, audio_durations, ended)
    if name == RUNG_PLAYLIST and folder in {r.name for r in layout.rungs}:
        return rung_playlist(layout, segments, ended)
    raise LayoutError(f"no playlist of the build at {relative[:80]!r}")


def final_playlists(layout: Layout, audio_durations: Sequence[float]) -> dict[str, str]:
    """The VOD playlists (with ENDLIST) of a finished build by path under hls/, to store
    before the build is marked complete: each extends what players were served while it
    grew (the master, with measured bandwidths, is written as for any version)."""
    names = [f"{r.name}/{RUNG_PLAYLIST}" for r in layout.rungs]
    if layout.audio is not None:
        names.append(f"{AUDIO_NAME}/{RUNG_PLAYLIST}")
    return {name: playlist_at(layout, name, layout.segment_count, audio_durations, ended=True)
            for name in names}
