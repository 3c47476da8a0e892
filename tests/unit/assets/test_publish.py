"""Publishing an HLS tree into its own version: types, cache rules, master last, and the
live version never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.publish import cache_control, content_type, publish_hls
from reelhouse import keys
from tests.unit.assets.fakes import VIDEO_ID, FakeStorage

LIVE, NEW = "01JD0000000000000000000000", "01JE0000000000000000000000"
PREFIX = keys.hls_prefix(VIDEO_ID, NEW)
MASTER = keys.master_key(VIDEO_ID, NEW)
LIVE_MASTER = keys.master_key(VIDEO_ID, LIVE)


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


def test_master_goes_last_and_the_live_version_is_untouched(tree: Path) -> None:
    """Media before playlists, the new master last, all under the new version: the live
    version's master and segments are neither deleted nor overwritten."""
    storage = FakeStorage()
    live_segment = keys.hls_prefix(VIDEO_ID, LIVE) + "360p/seg_00001.m4s"
    storage.put_bytes(LIVE_MASTER, b"live master")
    storage.put_bytes(live_segment, b"live segment")
    storage.log.clear()
    published = publish_hls(storage, VIDEO_ID, NEW, tree, {"ladder-version": "v9"})
    assert storage.log[-1] == ("put", MASTER)
    assert all(op == "put" and key.startswith(PREFIX) for op, key in storage.log)
    puts = [key for op, key in storage.log if op == "put"]
    last_media = max(i for i, k in enumerate(puts) if not k.endswith(".m3u8"))
    first_playlist = min(i for i, k in enumerate(puts) if k.endswith(".m3u8"))
    assert last_media < first_playlist
    assert published.keys[-1] == MASTER and len(published.keys) == 7
    assert storage.objects[MASTER].metadata == {"ladder-version": "v9"}
    assert storage.objects[LIVE_MASTER].data == b"live master"
    assert storage.objects[live_segment].data == b"live segment"
    assert not any(".tmp" in k for k in storage.objects)


def test_a_failed_upload_leaves_no_new_master_and_the_live_one_in_place(tree: Path) -> None:
    """If a segment cannot be stored, the new version gets no master and the live one
    stays as it was."""
    class Failing(FakeStorage):
        def put_bytes(self, key: str, data: bytes, *args: object, **kwargs: object) -> None:
            if key.endswith(".m4s"):
                raise OSError("connection reset")
            super().put_bytes(key, data, *args, **kwargs)  # type: ignore[arg-type]

    storage = Failing()
    storage.put_bytes(LIVE_MASTER, b"live master")
    with pytest.raises(OSError):
        publish_hls(storage, VIDEO_ID, NEW, tree, {})
    assert MASTER not in storage.objects
    assert storage.objects[LIVE_MASTER].data == b"live master"
