"""Reading and checking the HLS playlists we write (master and per-rendition media lists)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
REQUIRED_VARIANT_ATTRS = ("BANDWIDTH", "AVERAGE-BANDWIDTH", "RESOLUTION", "CODECS")


def parse_attributes(text: str) -> dict[str, str]:
    """An attribute list (`A=1,B="x,y"`) as a dict, quotes removed."""
    return {k: v.strip('"') for k, v in _ATTR.findall(text)}


@dataclass(frozen=True)
class Variant:
    """One `#EXT-X-STREAM-INF` entry of a master playlist."""

    uri: str
    attrs: dict[str, str]


@dataclass(frozen=True)
class MasterPlaylist:
    """Variants in listed order and the `#EXT-X-MEDIA` renditions (audio groups)."""

    variants: tuple[Variant, ...]
    media: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Segment:
    uri: str
    duration_s: float


@dataclass(frozen=True)
class MediaPlaylist:
    """One rendition's playlist: its init section, segments and whether it is complete."""

    map_uri: str | None
    segments: tuple[Segment, ...]
    target_duration: int
    ended: bool

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)


def _lines(text: str) -> list[str]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise ValueError("not an HLS playlist: no #EXTM3U header")
    return lines


def parse_master(text: str) -> MasterPlaylist:
    """Parse a master playlist."""
    variants, media, pending = [], [], None
    for line in _lines(text):
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = parse_attributes(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MEDIA:"):
            media.append(parse_attributes(line.split(":", 1)[1]))
        elif not line.startswith("#") and pending is not None:
            variants.append(Variant(line, pending))
            pending = None
    return MasterPlaylist(tuple(variants), tuple(media))


def parse_media(text: str) -> MediaPlaylist:
    """Parse a media playlist."""
    map_uri, segments, target, ended, duration = None, [], 0, False, None
    for line in _lines(text):
        if line.startswith("#EXT-X-MAP:"):
            map_uri = parse_attributes(line.split(":", 1)[1]).get("URI")
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = int(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif not line.startswith("#") and duration is not None:
            segments.append(Segment(line, duration))
            duration = None
    return MediaPlaylist(map_uri, tuple(segments), target, ended)


def resolve(base_dir: Path, root: Path, uri: str) -> Path:
    """The file a relative URI names; ValueError for URLs or paths leaving `root`."""
    if "://" in uri or uri.startswith("/") or "?" in uri:
        raise ValueError(f"not a relative file URI: {uri!r}")
    path = (base_dir / PurePosixPath(uri)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"URI leaves the output directory: {uri!r}")
    return path


def check_hls(out_dir: Path, expected: tuple[str, ...], duration_s: float,
              tolerance_s: float, audio: bool | None = None) -> list[str]:
    """Problems with the HLS tree under `out_dir` (empty when it is complete and consistent)."""
    master_path = out_dir / "master.m3u8"
    if not master_path.is_file():
        return ["master.m3u8 is missing"]
    try:
        master = parse_master(master_path.read_text())
    except ValueError as e:
        return [f"master.m3u8: {e}"]
    problems = []
    names = tuple(PurePosixPath(v.uri).parent.name for v in master.variants)
    if names != expected:
        problems.append(f"master lists rungs {names}, expected {expected}")
    groups = {m.get("GROUP-ID") for m in master.media if m.get("TYPE") == "AUDIO"}
    if audio is not None and bool(groups) != audio:
        problems.append("master has an audio group" if groups else "master has no audio group")
    uris = [v.uri for v in master.variants] + [m["URI"] for m in master.media if "URI" in m]
    for v in master.variants:
        missing = [a for a in REQUIRED_VARIANT_ATTRS if a not in v.attrs]
        if groups and v.attrs.get("AUDIO") not in groups:
            missing.append("AUDIO")
        if missing:
            problems.append(f"{v.uri}: no {', '.join(missing)} in the master")
    for uri in uris:
        problems += _check_media(out_dir, uri, duration_s, tolerance_s)
    return problems


def _check_media(out_dir: Path, uri: str, duration_s: float, tolerance_s: float) -> list[str]:
    try:
        path = resolve(out_dir, out_dir, uri)
        playlist = parse_media(path.read_text())
        files = [playlist.map_uri] if playlist.map_uri else [None]
        files += [s.uri for s in playlist.segments]
    except (OSError, ValueError) as e:
        return [f"{uri}: {e}"]
    problems = [] if playlist.ended else [f"{uri}: no #EXT-X-ENDLIST"]
    for name in files:
        if name is None:
            problems.append(f"{uri}: no #EXT-X-MAP init section")
            continue
        try:
            if not resolve(path.parent, out_dir, name).is_file():
                problems.append(f"{uri}: {name} is missing")
        except ValueError as e:
            problems.append(f"{uri}: {e}")
    if not playlist.segments:
        problems.append(f"{uri}: no segments")
    elif abs(playlist.duration_s - duration_s) > tolerance_s:
        problems.append(f"{uri}: lasts {playlist.duration_s:.2f}s, the source {duration_s:.2f}s")
    return problems
