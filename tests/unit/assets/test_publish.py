"""Publishing an HLS tree: types, cache rules, and an order that never looks playable early."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.publish import cache_control, content_type, publish_hls
from reelhouse import keys
from tests.unit.assets.fakes import VIDEO_ID, FakeStorage

PREFIX = keys.hls_prefix(VIDEO_ID)
MASTER = keys.master_key(VIDEO_ID)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A two-rendition tree as transcode_hls writes it."""
    files = {"master.m3u8": "#EXTM3U\n", "360p/index.m3u8": "#EXTM3U\n",
             "360p/init.mp4": "i", "360p/seg_00001.m4s": "s", "audio/index.m3u8": "#EXTM3U\n",
             "audio/init.mp4": "i", "audio/seg_00001.m4s": "s"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / ".master.m3u8.tmp").write_text("half written")
    return tmp_path


@pytest.mark.parametrize(("name", "ctype", "cache"), [
    ("master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=60"),
    ("360p/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=60"),
    ("360p/seg_00001.m4s", "video/iso.segment", "public, max-age=31536000, immutable"),
    ("360p/init.mp4", "video/mp4", "public, max-age=31536000, immutable"),
    ("thumbs/poster.jpg", "image/jpeg", "public, max-age=3600"),
    ("thumbs/storyboard.vtt", "text/vtt", "public, max-age=60"),
])
def test_types_and_cache_rules(name: str, ctype: str, cache: str) -> None:
    """Segments are immutable fMP4 parts, playlists short-lived, images an hour."""
    assert (content_type(name), cache_control(name)) == (ctype, cache)


def test_master_goes_last_after_the_old_one_is_removed(tree: Path) -> None:
    """The old master is deleted first, media before playlists, the new master last."""
    storage = FakeStorage()
    storage.put_bytes(MASTER, b"old master")
    storage.log.clear()
    published = publish_hls(storage, VIDEO_ID, tree, {"ladder-version": "v9"})
    assert storage.log[0] == ("delete", MASTER)
    assert storage.log[-1] == ("put", MASTER)
    puts = [key for op, key in storage.log if op == "put"]
    last_media = max(i for i, k in enumerate(puts) if not k.endswith(".m3u8"))
    first_playlist = min(i for i, k in enumerate(puts) if k.endswith(".m3u8"))
    assert last_media < first_playlist
    assert published.keys[-1] == MASTER and len(published.keys) == 7
    assert storage.objects[MASTER].metadata == {"ladder-version": "v9"}
    assert not any(".tmp" in k for k in storage.objects)


def test_stale_keys_of_an_older_ladder_are_removed_before_the_master(tree: Path) -> None:
    """A rung the new ladder lacks, and extra segments, are gone before the master appears."""
    storage = FakeStorage()
    for stale in ("1080p/index.m3u8", "1080p/seg_00001.m4s", "360p/seg_00009.m4s"):
        storage.put_bytes(PREFIX + stale, b"old")
    storage.log.clear()
    published = publish_hls(storage, VIDEO_ID, tree, {})
    assert sorted(published.removed) == sorted(PREFIX + s for s in (
        "1080p/index.m3u8", "1080p/seg_00001.m4s", "360p/seg_00009.m4s"))
    deletes = [i for i, (op, _) in enumerate(storage.log) if op == "delete"]
    assert max(deletes) < len(storage.log) - 1
    assert sorted(storage.objects) == sorted(PREFIX + p for p in (
        "master.m3u8", "360p/index.m3u8", "360p/init.mp4", "360p/seg_00001.m4s",
        "audio/index.m3u8", "audio/init.mp4", "audio/seg_00001.m4s"))


def test_a_failed_upload_leaves_no_master(tree: Path) -> None:
    """If a segment cannot be stored, the master is neither kept nor written."""
    class Failing(FakeStorage):
        def put_bytes(self, key: str, data: bytes, *args: object, **kwargs: object) -> None:
            if key.endswith(".m4s"):
                raise OSError("connection reset")
            super().put_bytes(key, data, *args, **kwargs)  # type: ignore[arg-type]

    storage = Failing()
    storage.put_bytes(MASTER, b"old master")
    with pytest.raises(OSError):
        publish_hls(storage, VIDEO_ID, tree, {})
    assert MASTER not in storage.objects
