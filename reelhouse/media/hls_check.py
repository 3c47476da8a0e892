"""Checking a written HLS tree: every URI resolves inside it and every rung is complete."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from reelhouse.media.playlists import PlaylistError, parse_master_playlist, parse_media_playlist

REQUIRED_VARIANT_ATTRS = ("BANDWIDTH", "AVERAGE-BANDWIDTH", "RESOLUTION", "CODECS")


def resolve(base_dir: Path, root: Path, uri: str) -> Path:
    """The local file a playlist URI names; PlaylistError for URLs or paths leaving `root`."""
    if "://" in uri or uri.startswith("/") or "?" in uri:
        raise PlaylistError(f"not a relative file URI: {uri!r}")
    path = (base_dir / PurePosixPath(uri)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise PlaylistError(f"URI leaves the output directory: {uri!r}")
    return path


def check_hls(out_dir: Path, expected: tuple[str, ...], duration_s: float,
              tolerance_s: float, audio: bool | None = None) -> list[str]:
    """Problems with the HLS tree under `out_dir`; empty when it is complete and consistent.

    `expected` is the rung names in master order; each rendition must last `duration_s`
    within `tolerance_s`; `audio` (when not None) says whether an audio group must exist.
    """
    master_path = out_dir / "master.m3u8"
    try:
        master = parse_master_playlist(master_path.read_text())
    except (OSError, ValueError) as e:
        return [f"master.m3u8: {e}"]
    problems = []
    names = tuple(PurePosixPath(v.uri).parent.name for v in master.variants)
    if names != expected:
        problems.append(f"master lists rungs {names}, expected {expected}")
    groups = {r.group_id for r in master.renditions if r.type == "AUDIO"}
    if audio is not None and bool(groups) != audio:
        problems.append("master has an audio group" if groups else "master has no audio group")
    for v in master.variants:
        missing = [a for a in REQUIRED_VARIANT_ATTRS if not v.attributes.get(a)]
        if groups and v.audio not in groups:
            missing.append("AUDIO")
        if missing:
            problems.append(f"{v.uri}: no {', '.join(missing)} in the master")
    uris = [v.uri for v in master.variants] + [r.uri for r in master.renditions if r.uri]
    for uri in uris:
        problems += _check_media(out_dir, uri, duration_s, tolerance_s)
    return problems


def _check_media(out_dir: Path, uri: str, duration_s: float, tolerance_s: float) -> list[str]:
    try:
        path = resolve(out_dir, out_dir, uri)
        playlist = parse_media_playlist(path.read_text())
    except (OSError, ValueError) as e:
        return [f"{uri}: {e}"]
    problems = [] if playlist.ended else [f"{uri}: no #EXT-X-ENDLIST"]
    if playlist.init_uri is None:
        problems.append(f"{uri}: no #EXT-X-MAP init section")
    files = [playlist.init_uri] if playlist.init_uri else []
    for name in files + [s.uri for s in playlist.segments]:
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
