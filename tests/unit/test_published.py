"""read_tree: what the asset checks and the flip see in a version, and what is a problem."""

from __future__ import annotations

from reelhouse import keys
from reelhouse.published import (
    playable_problems,
    read_tree,
    stored_versions,
    unversioned_keys,
)
from tests.unit.assets.fakes import VIDEO_ID, FakeStorage

VERSION = "01JD0000000000000000000000"
PREFIX = keys.hls_prefix(VIDEO_ID, VERSION)
MASTER = ('#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",URI="audio/index.m3u8"\n'
          '#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,RESOLUTION=640x360,CODECS="x",'
          'AUDIO="aud"\n360p/index.m3u8\n')
MEDIA = ('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\n'
         'seg_00001.m4s\n#EXTINF:1.5,\nseg_00002.m4s\n#EXT-X-ENDLIST\n')


def _storage(**replace: str | None) -> FakeStorage:
    files = {"master.m3u8": MASTER}
    for rung in ("360p", "audio"):
        files |= {f"{rung}/index.m3u8": MEDIA, f"{rung}/init.mp4": "i",
                  f"{rung}/seg_00001.m4s": "s", f"{rung}/seg_00002.m4s": "s"}
    files |= replace
    storage = FakeStorage()
    for name, text in files.items():
        if text is not None:
            storage.put_bytes(PREFIX + name, text.encode())
    return storage


def test_a_complete_tree_has_no_problems() -> None:
    """Both playlists are found, their durations summed, their segments counted."""
    tree = read_tree(_storage(), VIDEO_ID, VERSION)
    assert tree.problems == []
    assert tree.durations == {"360p/index.m3u8": 5.5, "audio/index.m3u8": 5.5}
    assert tree.segments == 4


def test_no_master_is_one_problem() -> None:
    """Without a master nothing else is looked at: the one problem says so."""
    assert read_tree(_storage(**{"master.m3u8": None}), VIDEO_ID, VERSION).problems == [
        "master.m3u8 is missing"]


def test_missing_init_and_empty_segment_are_named() -> None:
    """A missing init section and a zero-byte segment are both reported with their rung."""
    tree = read_tree(_storage(**{"audio/init.mp4": None, "360p/seg_00002.m4s": ""}),
                     VIDEO_ID, VERSION)
    assert tree.problems == ["360p/index.m3u8: seg_00002.m4s is missing or empty",
                             "audio/index.m3u8: init.mp4 is missing or empty"]


def test_uris_leaving_the_prefix_or_pointing_elsewhere_are_problems() -> None:
    """A playlist may not reach another video's objects or any URL."""
    escaping = MEDIA.replace("seg_00001.m4s", "../../../OTHER/hls/360p/seg_00001.m4s").replace(
        "seg_00002.m4s", "https://example.com/x.m4s")
    tree = read_tree(_storage(**{"360p/index.m3u8": escaping}), VIDEO_ID, VERSION)
    assert len(tree.problems) == 2
    assert all(p.startswith("360p/index.m3u8:") for p in tree.problems)


def test_an_unfinished_playlist_is_a_problem() -> None:
    """A media playlist without #EXT-X-ENDLIST is not a finished VOD rendition."""
    tree = read_tree(_storage(**{"audio/index.m3u8": MEDIA.replace("#EXT-X-ENDLIST\n", "")}),
                     VIDEO_ID, VERSION)
    assert tree.problems == ["audio/index.m3u8: no #EXT-X-ENDLIST"]


def test_a_version_is_playable_only_with_its_mp4_and_poster() -> None:
    """A complete HLS tree is not enough for the flip: the MP4 and the poster must be there."""
    storage = _storage()
    assert playable_problems(storage, VIDEO_ID, VERSION) == [
        "download.mp4 is missing", "poster.jpg is missing"]
    storage.put_bytes(keys.progressive_key(VIDEO_ID, VERSION), b"mp4")
    storage.put_bytes(keys.poster_key(VIDEO_ID, VERSION), b"jpeg")
    assert playable_problems(storage, VIDEO_ID, VERSION) == []
    storage.delete(PREFIX + "360p/seg_00001.m4s")
    assert playable_problems(storage, VIDEO_ID, VERSION) == [
        "360p/index.m3u8: seg_00001.m4s is missing or empty"]


def test_stored_versions_are_the_version_prefixes_only() -> None:
    """Versions are read from keys; the upload's facts beside them are no version."""
    storage = _storage()
    other = "01JE0000000000000000000000"
    storage.put_bytes(keys.poster_key(VIDEO_ID, other), b"jpeg")
    storage.put_bytes(keys.facts_prefix(VIDEO_ID) + "probe.json", b"{}")
    assert stored_versions(storage, VIDEO_ID) == {VERSION, other}


def test_unversioned_keys_are_the_layout_before_versions_only() -> None:
    """hls/, thumbs/ and download.mp4 straight under media/{id}/ are; a version's keys and
    the upload's facts are not."""
    storage = _storage()
    old = [f"media/{VIDEO_ID}/hls/master.m3u8", f"media/{VIDEO_ID}/hls/360p/seg_00001.m4s",
           f"media/{VIDEO_ID}/thumbs/poster.jpg", f"media/{VIDEO_ID}/download.mp4"]
    for key in [*old, keys.facts_prefix(VIDEO_ID) + "probe.json"]:
        storage.put_bytes(key, b"x")
    assert sorted(unversioned_keys(storage, VIDEO_ID)) == sorted(old)
