"""Checking an HLS tree on disk: URIs resolve inside it, attributes and durations hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.media.hls_check import check_hls, resolve

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"
360p/index.m3u8
"""

MEDIA = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.0,
seg_00001.m4s
#EXTINF:2.0,
seg_00002.m4s
#EXT-X-ENDLIST
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "master.m3u8").write_text(MASTER)
    for name in ("360p", "audio"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.m3u8").write_text(MEDIA)
        for f in ("init.mp4", "seg_00001.m4s", "seg_00002.m4s"):
            (tmp_path / name / f).write_bytes(b"x")
    return tmp_path


def test_complete_tree_has_no_problems(tree):
    """A complete tree matching the expected rungs and duration passes."""
    assert check_hls(tree, ("360p",), 6.0, 4, audio=True) == []


def test_missing_segment(tree):
    """A segment named in a playlist but absent is reported."""
    (tree / "audio" / "seg_00002.m4s").unlink()
    assert check_hls(tree, ("360p",), 6.0, 4) == ["audio/index.m3u8: seg_00002.m4s is missing"]


def test_wrong_rungs_and_duration(tree):
    """Unexpected rung lists and durations off by more than the tolerance are reported."""
    problems = check_hls(tree, ("720p", "360p"), 12.0, 4)
    assert problems[0] == "master lists rungs ('360p',), expected ('720p', '360p')"
    assert "360p/index.m3u8: lasts 6.00s, the source 12.00s" in problems


def test_missing_attributes(tree):
    """A variant without AVERAGE-BANDWIDTH or CODECS is reported."""
    (tree / "master.m3u8").write_text(MASTER.replace("AVERAGE-BANDWIDTH=800000,", "")
                                      .replace('CODECS="avc1.4d401e,mp4a.40.2",', ""))
    assert check_hls(tree, ("360p",), 6.0, 4) == [
        "360p/index.m3u8: no AVERAGE-BANDWIDTH, CODECS in the master"]


def test_audio_group_expectation(tree):
    """Asking for no audio when the master has a group is reported."""
    assert check_hls(tree, ("360p",), 6.0, 4, audio=False) == ["master has an audio group"]


def test_no_master(tmp_path):
    """An empty directory reports the missing master."""
    assert check_hls(tmp_path, ("360p",), 6.0, 4)[0].startswith("master.m3u8:")


@pytest.mark.parametrize("uri", ["http://evil/x.m4s", "/etc/passwd", "../../etc/passwd",
                                 "file:///etc/passwd", "seg.m4s?sig=1"])
def test_resolve_refuses_urls_and_escapes(tmp_path, uri):
    """Only relative paths that stay inside the output directory resolve."""
    (tmp_path / "360p").mkdir()
    with pytest.raises(ValueError):
        resolve(tmp_path / "360p", tmp_path, uri)


def test_resolve_allows_sibling_paths(tmp_path):
    """`../360p/init.mp4` from a rung directory is still inside the tree."""
    (tmp_path / "360p").mkdir()
    assert resolve(tmp_path / "360p", tmp_path, "../360p/init.mp4") == (
        tmp_path / "360p" / "init.mp4").resolve()
