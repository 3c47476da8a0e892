"""Uploading an HLS tree into a version of its own, master last.

A version is written once by one run and never changed afterwards: nothing else writes its
keys, players reach it only once the database points at it (assets/release.py), and it is
removed as a whole. So segments really are immutable and may be cached for a year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reelhouse import keys
from reelhouse.faults import crash_point
from reelhouse.media.hls import MASTER_NAME
from reelhouse.storage import Storage

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/iso.segment"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"
IMAGES = "public, max-age=3600"
UPLOAD_WORKERS = 8

_TYPES = {".m3u8": PLAYLIST_TYPE, ".m4s": SEGMENT_TYPE, ".mp4": "video/mp4",
          ".jpg": "image/jpeg", ".vtt": "text/vtt", ".json": "application/json"}


def content_type(name: str) -> str:
    return _TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def cache_control(name: str) -> str:
    """Playlists short (the API re-signs them), images an hour, segments immutable."""
    suffix = Path(name).suffix.lower()
    if suffix in (".m3u8", ".vtt", ".json"):
        return SHORT
    return IMAGES if suffix == ".jpg" else IMMUTABLE


@dataclass(frozen=True)
class Published:
    """What an upload wrote, in order, and how many bytes."""

    keys: tuple[str, ...]
    bytes: int


def _parallel(fn: Callable[[str], None], items: Iterable[str]) -> None:
    with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
        list(pool.map(fn, items))  # list(): re-raise the first error


def upload_tree(storage: Storage, prefix: str, root: Path, names: list[str],
                metadata: dict[str, str] | None = None) -> None:
    """Upload `root/name` to `prefix + name` for each name, in parallel."""
    def put(name: str) -> None:
        storage.put_file(prefix + name, root / name, content_type(name), cache_control(name),
                         metadata)
    _parallel(put, names)


def publish_hls(storage: Storage, video_id: str, version: str, out_dir: Path,
                metadata: dict[str, str]) -> Published:
    """Upload the tree under `out_dir` to the version's HLS prefix: init sections and
    segments, then rung playlists, then the master."""
    prefix = keys.hls_prefix(video_id, version)
    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    if MASTER_NAME not in files:
        raise FileNotFoundError(f"{out_dir}: no {MASTER_NAME}")
    media = [f for f in files if not f.endswith(".m3u8")]
    playlists = [f for f in files if f.endswith(".m3u8") and f != MASTER_NAME]
    upload_tree(storage, prefix, out_dir, media, metadata)
    upload_tree(storage, prefix, out_dir, playlists, metadata)
    crash_point("publish.before_master")
    master = keys.master_key(video_id, version)
    storage.put_file(master, out_dir / MASTER_NAME, PLAYLIST_TYPE, SHORT, metadata)
    size = sum((out_dir / f).stat().st_size for f in files)
    return Published((*[prefix + f for f in media + playlists], master), size)
