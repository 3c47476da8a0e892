"""Posters and storyboards from real (tiny, generated) clips through the bundled ffmpeg."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelhouse.media.ffmpeg import FfmpegError, ffmpeg_path, run_ffmpeg
from reelhouse.media.thumbnails import ThumbnailError, choose_poster, make_storyboard

pytestmark = pytest.mark.integration

_CUE = re.compile(r"(\d\d):(\d\d):(\d\d\.\d{3}) --> (\d\d):(\d\d):(\d\d\.\d{3})\n(\S+)#xywh="
                  r"(\d+),(\d+),(\d+),(\d+)")


def _encode(out: Path, lavfi: str, *extra: str) -> Path:
    """Encode a lavfi filtergraph source to a small H.264 MP4."""
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                lavfi, "-c:v", "libx264", "-preset", "ultrafast", *extra, str(out)], 120)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Black-then-pattern, luma ramp, portrait, all-black, odd-sized and plain pattern clips."""
    d = tmp_path_factory.mktemp("thumb-clips")
    return {
        "black_start": _encode(d / "black_start.mp4",
                               "color=black:s=320x180:r=25:d=1[b];testsrc2=s=320x180:r=25:d=3[p];"
                               "[b][p]concat=n=2:v=1:a=0", "-pix_fmt", "yuv420p"),
        # Flat frames whose luma is 2*frame number, so a tile's brightness names its frame.
        "ramp": _encode(d / "ramp.mp4", "nullsrc=s=160x90:r=25:d=4,format=gray,geq=lum='2*N'",
                        "-pix_fmt", "yuv420p"),
        "portrait": _encode(d / "portrait.mp4", "testsrc2=s=180x320:r=25:d=2",
                            "-pix_fmt", "yuv420p"),
        "black": _encode(d / "black.mp4", "color=black:s=320x180:r=25:d=2", "-pix_fmt", "yuv420p"),
        "odd": _encode(d / "odd.mp4", "testsrc2=s=321x181:r=25:d=2", "-pix_fmt", "yuv444p"),
        "pattern": _encode(d / "pattern.mp4", "testsrc2=s=320x180:r=25:d=4", "-pix_fmt", "yuv420p"),
    }


def _luma(path: Path, box: tuple[int, int, int, int] | None = None) -> float:
    with Image.open(path) as im:
        return float(np.asarray(im.convert("L").crop(box) if box else im.convert("L")).mean())


def _vtt_cues(text: str) -> list[dict[str, object]]:
    def secs(h: str, m: str, s: str) -> float:
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [{"start": secs(*g[0:3]), "end": secs(*g[3:6]), "sprite": g[6], "x": int(g[7]),
             "y": int(g[8]), "w": int(g[9]), "h": int(g[10])} for g in _CUE.findall(text)]


def test_poster_skips_the_black_opening(clips: dict[str, Path], tmp_path: Path) -> None:
    """A clip opening on a second of black gets a poster from the pattern, not the black."""
    poster = choose_poster(clips["black_start"], 4.0, tmp_path / "poster.jpg")
    assert poster.time_s >= 1.0 and not poster.blank
    assert (poster.width, poster.height) == (320, 180)
    assert _luma(poster.path) > 50


def test_poster_keeps_portrait_orientation(clips: dict[str, Path], tmp_path: Path) -> None:
    """A portrait source gives a portrait poster at its own size."""
    poster = choose_poster(clips["portrait"], 2.0, tmp_path / "poster.jpg")
    assert (poster.width, poster.height) == (180, 320)


def test_poster_has_even_sides(clips: dict[str, Path], tmp_path: Path) -> None:
    """An odd-sized source is trimmed to even sides."""
    poster = choose_poster(clips["odd"], 2.0, tmp_path / "poster.jpg")
    assert poster.width % 2 == 0 and poster.height % 2 == 0
    assert abs(poster.width - 321) <= 2 and abs(poster.height - 181) <= 2


def test_all_black_clip_still_gets_a_poster_marked_blank(clips: dict[str, Path],
                                                         tmp_path: Path) -> None:
    """When no candidate is informative the least bad frame is written and flagged blank."""
    poster = choose_poster(clips["black"], 2.0, tmp_path / "poster.jpg")
    assert poster.blank and poster.path.is_file()


def test_storyboard_tiles_show_the_frame_at_each_cue_start(clips: dict[str, Path],
                                                           tmp_path: Path) -> None:
    """Four 1 s cues over a 4 s ramp; tile k shows frame 25k, whose luma is 50k."""
    board = make_storyboard(clips["ramp"], 4.0, tmp_path, 1.0)
    assert [(c.start, c.end) for c in board.cues] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert (board.columns, board.rows, board.tile_width, board.tile_height) == (4, 1, 160, 90)
    assert [p.name for p in board.sprites] == ["storyboard_000.jpg"]
    with Image.open(board.sprites[0]) as im:
        assert im.size == (640, 90)
    means = [_luma(board.sprites[0], (c.x + 8, c.y + 8, c.x + c.w - 8, c.y + c.h - 8))
             for c in board.cues]
    assert means == pytest.approx([0, 50, 100, 150], abs=6)


def test_storyboard_vtt_and_json_agree_across_sheets(clips: dict[str, Path],
                                                     tmp_path: Path) -> None:
    """Eight half-second cues on a 3x2 grid fill two sheets; VTT and JSON hold the same cues."""
    board = make_storyboard(clips["pattern"], 4.0, tmp_path, 0.5, columns=3, rows=2)
    assert [p.name for p in board.sprites] == ["storyboard_000.jpg", "storyboard_001.jpg"]
    for sprite in board.sprites:
        with Image.open(sprite) as im:
            assert im.size == (480, 180)
    data = json.loads(board.json_path.read_text())
    vtt = _vtt_cues(board.vtt_path.read_text())
    assert board.vtt_path.read_text().startswith("WEBVTT\n")
    assert vtt == data["cues"] and len(vtt) == 8
    assert vtt[6] == {"start": 3.0, "end": 3.5, "sprite": "storyboard_001.jpg", "x": 0, "y": 0,
                      "w": 160, "h": 90}
    assert vtt[-1]["end"] == 4.0
    assert (data["interval_s"], data["tile_width"], data["tile_height"]) == (0.5, 160, 90)


def test_short_portrait_clip_gets_one_cue(clips: dict[str, Path], tmp_path: Path) -> None:
    """A 2 s portrait clip with a 5 s interval gets one 90x160 tile ending at 2 s."""
    board = make_storyboard(clips["portrait"], 2.0, tmp_path, 5)
    assert [(c.start, c.end, c.w, c.h) for c in board.cues] == [(0.0, 2.0, 90, 160)]
    with Image.open(board.sprites[0]) as im:
        assert im.size == (90, 160)


def test_rerun_removes_stale_sheets(clips: dict[str, Path], tmp_path: Path) -> None:
    """A rerun that needs fewer sheets leaves none of the old ones behind."""
    make_storyboard(clips["pattern"], 4.0, tmp_path, 0.5, columns=2, rows=1)
    assert len(list(tmp_path.glob("storyboard_*.jpg"))) == 4
    board = make_storyboard(clips["pattern"], 4.0, tmp_path, 2)
    assert sorted(p.name for p in tmp_path.glob("storyboard_*.jpg")) == ["storyboard_000.jpg"]
    assert len(board.cues) == 2


def test_rotated_phone_clip_comes_out_upright(clips: dict[str, Path], tmp_path: Path) -> None:
    """A landscape-coded clip with a 90° display matrix gives a portrait poster and tiles."""
    rotated = tmp_path / "rotated.mp4"
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-display_rotation",
                "90", "-i", str(clips["pattern"]), "-c", "copy", str(rotated)], 60)
    poster = choose_poster(rotated, 4.0, tmp_path / "poster.jpg")
    assert (poster.width, poster.height) == (180, 320)
    board = make_storyboard(rotated, 4.0, tmp_path / "board", 2)
    assert (board.tile_width, board.tile_height) == (90, 160)


def test_a_concat_script_posing_as_the_source_is_not_followed(clips: dict[str, Path],
                                                              tmp_path: Path) -> None:
    """An upload that is an ffconcat script naming a local file is refused, not read: no
    accepted demuxer reads it, and ffmpeg with the probe's demuxer pinned refuses it."""
    fake = tmp_path / "source"
    fake.write_text(f"ffconcat version 1.0\nfile '{clips['pattern']}'\n")
    with pytest.raises(ThumbnailError):
        choose_poster(fake, 4.0, tmp_path / "poster.jpg")
    with pytest.raises(ThumbnailError):
        make_storyboard(fake, 4.0, tmp_path / "board", 1.0)
    with pytest.raises(FfmpegError):
        make_storyboard(fake, 4.0, tmp_path / "board", 1.0, demuxer="mov")


def test_hdr_and_interlaced_sources_get_sdr_progressive_pictures(
        hlg_clip: Path, interlaced_clip: Path, tmp_path: Path) -> None:
    """Poster and storyboard go through the same tone mapping and deinterlacing as the
    ladder, so they look like the video plays. An HLG poster tone-mapped is not the raw
    HLG values read as SDR (which look flat and grey)."""
    from reelhouse.media.probe import probe

    for clip in (hlg_clip, interlaced_clip):
        video = probe(clip).video
        poster = choose_poster(clip, 2.0, tmp_path / clip.stem / "poster.jpg", video=video)
        board = make_storyboard(clip, 2.0, tmp_path / clip.stem, 1.0, video=video)
        assert poster.width > 0 and board.cues
    video = probe(hlg_clip).video
    mapped = choose_poster(hlg_clip, 2.0, tmp_path / "mapped.jpg", video=video)
    raw = choose_poster(hlg_clip, 2.0, tmp_path / "raw.jpg")
    with Image.open(mapped.path) as a, Image.open(raw.path) as b:
        difference = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)).mean()
    assert difference > 2
