"""Playlists of a build rendered from its layout: growing EVENT lists, VOD at the end, a
master that starts players at the beginning, and layouts that must tile their frames."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, replace
from fractions import Fraction

import pytest

from reelhouse.media.chunks import Chunk
from reelhouse.media.event_playlist import (
    Layout,
    LayoutAudio,
    LayoutError,
    LayoutRung,
    audio_playlist,
    building_master,
    check_audio_durations,
    final_playlists,
    playlist_at,
    rung_playlist,
)
from reelhouse.media.ladder import plan_ladder
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from tests.unit.media.conftest import fake_probe

NTSC = Fraction(30000, 1001)
# A head chunk of half a segment, then 1, 2 segments, and a short last segment: 500 frames.
CHUNKS = (Chunk(0, 0, 60, 1, (0,)), Chunk(1, 60, 180, 2, (60,)),
          Chunk(2, 180, 420, 3, (180, 300)), Chunk(3, 420, 500, 5, (420,)))
RUNGS = (LayoutRung("720p", 1280, 720, 2800000, 3000000, "avc1.64001f"),
         LayoutRung("360p", 640, 360, 800000, 860000, "avc1.4d401e"))
AUDIO = LayoutAudio("mp4a.40.2", 2, 128000)


def layout(**changes: object) -> Layout:
    return replace(Layout(NTSC, 500, CHUNKS, RUNGS, AUDIO), **changes)


def test_building_playlist_has_no_endlist() -> None:
    """While the build goes on a rung lists the published segments as an EVENT playlist
    with no ENDLIST, each lasting its frames over the rate."""
    assert rung_playlist(layout(), 2) == """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-START:TIME-OFFSET=0,PRECISE=YES
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.002000,
seg_00001.m4s
#EXTINF:4.004000,
seg_00002.m4s
"""
    assert not parse_media_playlist(rung_playlist(layout(), 0)).segments


def test_complete_playlist_is_vod_with_endlist() -> None:
    """Once complete a rung is a VOD playlist with ENDLIST listing every segment, whose
    durations add up to the layout's frames (the short last one included)."""
    text = rung_playlist(layout(), 5, ended=True)
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and text.endswith("seg_00005.m4s\n#EXT-X-ENDLIST\n")
    parsed = parse_media_playlist(text)
    assert parsed.ended and [s.uri for s in parsed.segments] == [
        f"seg_{n:05d}.m4s" for n in range(1, 6)]
    assert parsed.segments[-1].duration_s == pytest.approx(80 / float(NTSC), abs=1e-6)
    assert parsed.duration_s == pytest.approx(500 / float(NTSC), abs=1e-5)
    with pytest.raises(LayoutError):
        rung_playlist(layout(), 4, ended=True)
    with pytest.raises(LayoutError):
        rung_playlist(layout(), 6)


def test_each_building_playlist_extends_the_last() -> None:
    """Each segment more only appends lines: a player reloading never sees a change to what
    it read (RFC 8216 6.2.1), and the audio playlist grows the same way."""
    texts = [rung_playlist(layout(), n) for n in range(6)]
    for before, after in zip(texts, texts[1:], strict=False):
        assert after.startswith(before) and len(after) > len(before)
    sound = [audio_playlist(layout(), [4.010667] * n) for n in range(4)]
    for before, after in zip(sound, sound[1:], strict=False):
        assert after.startswith(before)


def test_master_starts_at_zero_while_building() -> None:
    """The building master announces each rung at its planned maxrate and bitrate plus the
    audio's; every media playlist starts players at the beginning (not the live edge),
    which ffmpeg only accepts there, not in the master."""
    for text in (rung_playlist(layout(), 1), audio_playlist(layout(), [4.010667]),
                 rung_playlist(layout(), 5, ended=True)):
        assert "\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n" in text
    assert building_master(layout()) == """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",\
URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=3128000,AVERAGE-BANDWIDTH=2928000,RESOLUTION=1280x720,\
FRAME-RATE=29.970,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud"
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=988000,AVERAGE-BANDWIDTH=928000,RESOLUTION=640x360,\
FRAME-RATE=29.970,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"
360p/index.m3u8
"""
    silent = parse_master_playlist(building_master(layout(audio=None)))
    assert not silent.renditions and [v.bandwidth for v in silent.variants] == [3000000, 860000]
    assert [v.codecs for v in silent.variants] == ["avc1.64001f", "avc1.4d401e"]


def test_target_duration_constant() -> None:
    """Every playlist of a build carries the target duration of its longest planned segment,
    from the first render to the last; a 4.5 s segment rounds up to 5."""
    for n in range(6):
        assert "#EXT-X-TARGETDURATION:4\n" in rung_playlist(layout(), n)
    assert "#EXT-X-TARGETDURATION:4\n" in audio_playlist(layout(), [4.010667, 2.5])
    assert "#EXT-X-TARGETDURATION:4\n" in rung_playlist(layout(), 5, ended=True)
    long_head = (Chunk(0, 0, 135, 1, (0,)), Chunk(1, 135, 150, 2, (135,)))
    assert layout(chunks=long_head, total_frames=150, rate=Fraction(30)).target_duration == 5


def test_audio_segments_must_fit_the_target_duration() -> None:
    """Audio durations come from the encoder; one that would need a longer target duration
    (or a non-positive one) is refused rather than listed."""
    check_audio_durations(layout(), [4.010667, 4.49])
    for bad in ([4.6], [0.0], [4.0, -1.0]):
        with pytest.raises(LayoutError):
            check_audio_durations(layout(), bad)
    with pytest.raises(LayoutError):
        audio_playlist(layout(audio=None), [])


def test_prefix_counts_only_contiguous_chunks() -> None:
    """A player sees the segments of the finished chunks from chunk 0 up to the first one
    not finished, whatever finished after it."""
    prefix = layout().prefix_segments
    assert [prefix(d) for d in ("0000", "0111", "1000", "1011", "1101", "1110", "1111")] == [
        0, 0, 1, 1, 2, 4, 5]


def test_layout_round_trips_through_json() -> None:
    """The layout the build row keeps reads back equal, rate kept exact."""
    text = layout().to_json()
    assert Layout.from_json(text) == layout()
    assert '"rate":"30000/1001"' in text
    assert Layout.from_json(layout(audio=None).to_json()).audio is None
    for broken in ("{}", "[]", "not json", text.replace('"total_frames":500', '"total_frames":0')):
        with pytest.raises(LayoutError):
            Layout.from_json(broken)


@pytest.mark.parametrize("chunks", [
    (Chunk(0, 0, 60, 1, (0,)), Chunk(1, 70, 500, 2, (70,))),  # a gap
    (Chunk(0, 0, 60, 1, (0,)), Chunk(1, 60, 500, 3, (60,))),  # a skipped number
    (Chunk(0, 0, 500, 1, (0, 300, 200)),),  # starts out of order
    (Chunk(0, 0, 500, 1, (10,)),),  # the first segment not at the chunk's start
    (Chunk(0, 0, 400, 1, (0,)),),  # ends short of the frames
])
def test_layout_refuses_chunks_that_do_not_tile_the_grid(chunks: tuple[Chunk, ...]) -> None:
    """Chunks must cover every frame once, in order, with segments numbered on from 1."""
    with pytest.raises(LayoutError):
        layout(chunks=chunks)


def test_layout_refuses_rung_names_that_are_no_folder() -> None:
    """Rung names become playlist paths: distinct, plain and never the audio folder."""
    for names in (("720p", "720p"), ("audio", "360p"), ("../x", "360p")):
        rungs = tuple(replace(r, name=n) for r, n in zip(RUNGS, names, strict=True))
        with pytest.raises(LayoutError):
            layout(rungs=rungs)


@dataclass(frozen=True)
class _Chunk:
    index: int
    start: int
    end: int
    first_segment: int
    segment_starts: tuple[int, ...]


def test_layout_of_a_ladder_plan() -> None:
    """A ladder plan and its chunk plan make the layout: rungs with the codec strings of
    their profile and level, AAC-LC audio."""
    plan = plan_ladder(fake_probe(1280, 720, fps=25.0))
    made = Layout.of(plan, [_Chunk(0, 0, 50, 1, (0,)), _Chunk(1, 50, 250, 2, (50, 150))], 250)
    assert made.rate == 25 and made.segment_count == 3
    assert [(r.name, r.codecs) for r in made.rungs][:2] == [("720p", "avc1.64001f"),
                                                            ("480p", "avc1.4d401e")]
    assert made.audio == LayoutAudio("mp4a.40.2", 2, 128000)
    assert made.seconds(2) == pytest.approx(6.0)


def test_names_match_what_the_ladder_writes_and_rendering_needs_no_pyav() -> None:
    """The folder and file names are those the one-process ladder writes, and the API can
    render (it has no PyAV: the api extra does not install it)."""
    from reelhouse.media import event_playlist, hls

    assert (event_playlist.AUDIO_NAME, event_playlist.AUDIO_GROUP, event_playlist.INIT_NAME,
            event_playlist.MASTER_NAME) == (hls.AUDIO_NAME, hls.AUDIO_GROUP, hls.INIT_NAME,
                                            hls.MASTER_NAME)
    code = ("import sys, reelhouse.builds, reelhouse.media.event_playlist; "
            "print('av' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "False"


def test_playlists_by_path_and_the_final_ones_extend_the_growing_ones() -> None:
    """Each path under hls/ names one playlist of the build (anything else is refused), and
    the VOD playlists stored at the end extend the last ones served while it grew."""
    sound = [4.010667, 4.010667, 2.0]
    assert playlist_at(layout(), "master.m3u8", 0, []) == building_master(layout())
    assert playlist_at(layout(), "360p/index.m3u8", 3, sound) == rung_playlist(layout(), 3)
    assert playlist_at(layout(), "audio/index.m3u8", 3, sound) == audio_playlist(layout(), sound)
    for other in ("1080p/index.m3u8", "360p/init.mp4", "audio/index.m3u8/x", "index.m3u8"):
        with pytest.raises(LayoutError):
            playlist_at(layout(), other, 3, sound)
    with pytest.raises(LayoutError):
        playlist_at(layout(audio=None), "audio/index.m3u8", 3, [])
    final = final_playlists(layout(), sound)
    assert list(final) == ["720p/index.m3u8", "360p/index.m3u8", "audio/index.m3u8"]
    for name, text in final.items():
        grown = playlist_at(layout(), name, 5, sound)
        assert text.endswith("#EXT-X-ENDLIST\n") and parse_media_playlist(text).ended
        assert text.replace("PLAYLIST-TYPE:VOD", "PLAYLIST-TYPE:EVENT").startswith(grown)
    assert list(final_playlists(layout(audio=None), [])) == ["720p/index.m3u8",
                                                            "360p/index.m3u8"]
