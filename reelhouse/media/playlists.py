"""HLS playlists as data: parse media and master playlists, list a rung's files in play order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reelhouse.errors import MediaError

# Attribute lists are KEY=VALUE pairs where a quoted VALUE may itself contain commas.
_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


class PlaylistError(MediaError, ValueError):
    """A playlist we cannot read or use: not HLS, malformed, or naming files it may not."""


@dataclass(frozen=True)
class Segment:
    """One media segment: its EXTINF duration, its URI and the init section it decodes with."""

    duration_s: float
    uri: str
    init_uri: str | None = None
    byterange: str | None = None


@dataclass(frozen=True)
class MediaPlaylist:
    """A rung or audio playlist: the first init section and the segments in play order."""

    init_uri: str | None
    segments: list[Segment]
    target_duration_s: float | None = None
    ended: bool = False

    @property
    def duration_s(self) -> float:
        """Sum of the EXTINF durations, which is what players show as the length."""
        return sum(s.duration_s for s in self.segments)


@dataclass(frozen=True)
class Variant:
    """One EXT-X-STREAM-INF entry of a master playlist."""

    uri: str
    bandwidth: int
    resolution: tuple[int, int] | None = None
    codecs: str | None = None
    audio: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendition:
    """One EXT-X-MEDIA entry (e.g. the audio group) of a master playlist."""

    type: str
    group_id: str
    name: str
    uri: str | None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MasterPlaylist:
    """The variants (video rungs) and alternative renditions a master playlist offers."""

    variants: list[Variant]
    renditions: list[Rendition]


def parse_attributes(text: str) -> dict[str, str]:
    """An HLS attribute list as a dict, quotes stripped from quoted values."""
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(text)}


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("playlist: does not start with #EXTM3U")
    return lines


def parse_media_playlist(text: str) -> MediaPlaylist:
    """Parse a media playlist; raises ValueError on a master playlist or malformed EXTINF."""
    init: str | None = None
    first_init: str | None = None
    segments: list[Segment] = []
    target: float | None = None
    ended = False
    duration: float | None = None
    byterange: str | None = None
    for line in _lines(text)[1:]:
        if line.startswith("#EXT-X-STREAM-INF"):
            raise PlaylistError("playlist: a master playlist, not a media playlist")
        if line.startswith("#EXT-X-MAP:"):
            init = parse_attributes(line[len("#EXT-X-MAP:"):]).get("URI")
            first_init = first_init or init
        elif line.startswith("#EXTINF:"):
            try:
                duration = float(line[len("#EXTINF:"):].split(",", 1)[0])
            except ValueError as e:
                raise PlaylistError(f"playlist: bad EXTINF line {line!r}") from e
        elif line.startswith("#EXT-X-BYTERANGE:"):
            byterange = line[len("#EXT-X-BYTERANGE:"):]
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif not line.startswith("#"):
            if duration is None:
                raise PlaylistError(f"playlist: segment {line!r} has no EXTINF")
            segments.append(Segment(duration, line, init, byterange))
            duration, byterange = None, None
    return MediaPlaylist(first_init, segments, target, ended)


def parse_master_playlist(text: str) -> MasterPlaylist:
    """Parse a master playlist into its variants and EXT-X-MEDIA renditions."""
    variants: list[Variant] = []
    renditions: list[Rendition] = []
    pending: dict[str, str] | None = None
    for line in _lines(text)[1:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = parse_attributes(line[len("#EXT-X-STREAM-INF:"):])
        elif line.startswith("#EXT-X-MEDIA:"):
            a = parse_attributes(line[len("#EXT-X-MEDIA:"):])
            renditions.append(Rendition(a.get("TYPE", ""), a.get("GROUP-ID", ""),
                                        a.get("NAME", ""), a.get("URI"), a))
        elif not line.startswith("#") and pending is not None:
            w, _, h = pending.get("RESOLUTION", "").lower().partition("x")
            size = (int(w), int(h)) if w.isdigit() and h.isdigit() else None
            variants.append(Variant(line, int(pending.get("BANDWIDTH", "0")), size,
                                    pending.get("CODECS"), pending.get("AUDIO"), pending))
            pending = None
    return MasterPlaylist(variants, renditions)


def playlist_files(playlist: Path) -> list[Path]:
    """The local files of an fMP4 media playlist in play order: its init section, then segments."""
    parsed = parse_media_playlist(playlist.read_text())
    if not parsed.segments:
        raise PlaylistError(f"{playlist}: no segments")
    if any(s.byterange for s in parsed.segments):
        raise PlaylistError(f"{playlist}: byte-range segments are not supported")
    if len({s.init_uri for s in parsed.segments}) > 1:
        raise PlaylistError(f"{playlist}: more than one init section")
    uris = ([parsed.init_uri] if parsed.init_uri else []) + [s.uri for s in parsed.segments]
    if any("://" in uri or uri.startswith("/") for uri in uris):
        raise PlaylistError(f"{playlist}: only relative URIs are supported")
    return [playlist.parent / uri for uri in uris]


def write_concat_list(playlist: Path, list_path: Path) -> str:
    """Write an ffmpeg `concatf` list of the playlist's files; return the input URL reading it.

    Byte-concatenating init + fMP4 segments gives one valid fragmented MP4, which ffmpeg
    demuxes without the HLS demuxer's segment-extension and timestamp heuristics.
    """
    files = playlist_files(playlist)
    # `file:` keeps a path containing ':' from being read as a protocol name.
    list_path.write_text("".join(f"file:{f.resolve()}\n" for f in files))
    return f"concatf:file:{list_path.resolve()}"
