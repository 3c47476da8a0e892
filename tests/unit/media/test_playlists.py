"""Parsing HLS playlists and listing a rung's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.media.playlists import (
    parse_attributes,
    parse_master_playlist,
    parse_media_playlist,
    playlist_files,
    write_concat_list,
)

# Written by ffmpeg's hls muxer (-hls_segment_type fmp4 -start_number 1) for the audio group.
MEDIA = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.005333,
seg_00001.m4s
#EXTINF:2.005333,
seg_00002.m4s
#EXTINF:0.021333,
seg_00003.m4s
#EXT-X-ENDLIST
"""

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud"
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
360p/index.m3u8
"""


def test_media_playlist_gives_init_and_segments_in_order() -> None:
    """A media playlist yields its init URI and (duration, uri) segments in play order."""
    parsed = parse_media_playlist(MEDIA)
    assert parsed.init_uri == "init.mp4"
    assert [(s.duration_s, s.uri) for s in parsed.segments] == [
        (2.005333, "seg_00001.m4s"), (2.005333, "seg_00002.m4s"), (0.021333, "seg_00003.m4s")]
    assert parsed.ended and parsed.target_duration_s == 2
    assert parsed.duration_s == pytest.approx(4.032)


def test_master_playlist_gives_variants_and_audio_group() -> None:
    """Quoted CODECS with commas stay whole and the audio rendition is listed."""
    parsed = parse_master_playlist(MASTER)
    assert [(v.uri, v.bandwidth, v.resolution) for v in parsed.variants] == [
        ("720p/index.m3u8", 2500000, (1280, 720)), ("360p/index.m3u8", 800000, (640, 360))]
    assert parsed.variants[0].codecs == "avc1.64001f,mp4a.40.2"
    assert parsed.variants[0].audio == "aud"
    assert [(r.type, r.group_id, r.uri) for r in parsed.renditions] == [
        ("AUDIO", "aud", "audio/index.m3u8")]


def test_attributes_strip_quotes() -> None:
    """Attribute values lose their quotes and unquoted ones are kept verbatim."""
    assert parse_attributes('URI="a,b.mp4",BYTERANGE=10@0') == {"URI": "a,b.mp4",
                                                                "BYTERANGE": "10@0"}


@pytest.mark.parametrize("text", ["", "#EXTINF:2,\nseg.m4s\n", MASTER])
def test_media_parser_refuses_non_media_playlists(text: str) -> None:
    """Text without #EXTM3U, or a master playlist, is a ValueError for the media parser."""
    with pytest.raises(ValueError):
        parse_media_playlist(text)


def test_segment_without_extinf_is_refused() -> None:
    """A URI line with no EXTINF before it is malformed."""
    with pytest.raises(ValueError, match="no EXTINF"):
        parse_media_playlist("#EXTM3U\nseg.m4s\n")


def test_playlist_files_resolve_next_to_the_playlist(tmp_path: Path) -> None:
    """Files are the init section then the segments, relative to the playlist's folder."""
    (tmp_path / "index.m3u8").write_text(MEDIA)
    assert playlist_files(tmp_path / "index.m3u8") == [
        tmp_path / "init.mp4", tmp_path / "seg_00001.m4s", tmp_path / "seg_00002.m4s",
        tmp_path / "seg_00003.m4s"]


@pytest.mark.parametrize("body", [
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\nall.mp4\n',
    '#EXTINF:2,\nhttps://cdn.example/seg.m4s\n',
    '#EXTINF:2,\n/etc/passwd\n',
    '#EXT-X-MAP:URI="a.mp4"\n#EXTINF:2,\ns1.m4s\n#EXT-X-MAP:URI="b.mp4"\n#EXTINF:2,\ns2.m4s\n',
])
def test_playlist_files_refuses_what_cannot_be_concatenated(tmp_path: Path, body: str) -> None:
    """Byte ranges, remote or absolute URIs and several init sections are refused."""
    (tmp_path / "index.m3u8").write_text("#EXTM3U\n" + body)
    with pytest.raises(ValueError):
        playlist_files(tmp_path / "index.m3u8")


def test_concat_list_uses_file_urls(tmp_path: Path) -> None:
    """The concatf list names every file as an absolute file: URL and the input URL points at it."""
    rung = tmp_path / "360p"
    rung.mkdir()
    (rung / "index.m3u8").write_text(MEDIA)
    url = write_concat_list(rung / "index.m3u8", tmp_path / "list.txt")
    assert url == f"concatf:file:{(tmp_path / 'list.txt').resolve()}"
    lines = (tmp_path / "list.txt").read_text().splitlines()
    assert lines[0] == f"file:{(rung / 'init.mp4').resolve()}"
    assert len(lines) == 4
