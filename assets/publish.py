"""Uploading an HLS tree so that nothing looks playable until all of it is in place.

Order: the old master goes first (a rerun must not leave a master over half-replaced
segments), then init sections and segments, then rung playlists, then keys an older ladder
left behind are removed, and `master.m3u8` is written last: its presence means "playable".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reelhouse import keys
from reelhouse.media.hls import MASTER_NAME
from reelhouse.storage import Storage

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/iso.segment"
# Segment keys are reused when a video is reprocessed: presigned URLs make each signing a new
# cache key, but a CDN serving signed cookies needs an invalidation after a reprocess.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"
IMAGES = "public, max-age=3600"
UPLOAD_WORKERS = 8

_TYPES = {".m3u8": PLAYLIST_TYPE, ".m4s": SEGMENT_TYPE, ".mp4": "video/mp4",
          ".jpg": "image/jpeg", ".vtt": "text/vtt", ".json": "application/json"}


def content_type(name: str) -> str:
    return _TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def cache_control(name: str) -> str:
    """Playlists may change on a rerun: short; images an hour; segments are immutable."""
    suffix = Path(name).suffix.lower()
    if suffix in (".m3u8", ".vtt", ".json"):
        return SHORT
    return IMAGES if suffix == ".jpg" else IMMUTABLE


@dataclass(frozen=True)
class Published:
    """What an upload wrote (in order) and which stale keys it removed."""

    keys: tuple[str, ...]
    bytes: int
    removed: tuple[str, ...]


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


def remove_stale(storage: Storage, prefix: str, wanted: set[str]) -> list[str]:
    """Delete every key under `prefix` not in `wanted` (left by an older ladder or run)."""
    stale = [o["Key"] for o in storage.list_keys(prefix) if o["Key"] not in wanted]
    _parallel(storage.delete, stale)
    return stale


def publish_hls(storage: Storage, video_id: str, out_dir: Path,
                metadata: dict[str, str], before_master: Callable[[], None] | None = None
                ) -> Published:
    """Upload the tree under `out_dir` to the video's HLS prefix, master last."""
    prefix = keys.hls_prefix(video_id)
    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    if MASTER_NAME not in files:
        raise FileNotFoundError(f"{out_dir}: no {MASTER_NAME}")
    media = [f for f in files if not f.endswith(".m3u8")]
    playlists = [f for f in files if f.endswith(".m3u8") and f != MASTER_NAME]
    storage.delete(keys.master_key(video_id))
    upload_tree(storage, prefix, out_dir, media, metadata)
    upload_tree(storage, prefix, out_dir, playlists, metadata)
    stale = remove_stale(storage, prefix, {prefix + f for f in files})
    if before_master is not None:
        before_master()
    storage.put_file(keys.master_key(video_id), out_dir / MASTER_NAME, PLAYLIST_TYPE, SHORT,
                     metadata)
    size = sum((out_dir / f).stat().st_size for f in files)
    return Published((*[prefix + f for f in media + playlists], keys.master_key(video_id)),
                     size, tuple(stale))
