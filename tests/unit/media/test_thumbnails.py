"""Poster scoring, storyboard grids, cues, WebVTT text and argv, without running ffmpeg."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from reelhouse.media.thumbnails import (
    StoryboardCue,
    candidate_times,
    escape_filter_value,
    frame_score,
    poster_argv,
    storyboard_argv,
    storyboard_cues,
    storyboard_grid,
    storyboard_vtt,
    vtt_timestamp,
)


def _pattern() -> np.ndarray:
    x = np.linspace(0, 255, 96)
    return np.tile(x, (54, 1)).astype(np.uint8)


def test_black_flat_and_white_frames_score_below_any_pattern() -> None:
    """Black, flat grey and blown-out frames score negative; a detailed frame scores positive."""
    black = np.full((54, 96), 16, np.uint8)
    grey = np.full((54, 96), 128, np.uint8)
    white = np.full((54, 96), 250, np.uint8)
    noisy_black = np.random.default_rng(0).integers(0, 20, (54, 96)).astype(np.uint8)
    assert all(frame_score(f) < 0 for f in (black, grey, white, noisy_black))
    assert frame_score(_pattern()) > 0


def test_more_detail_scores_higher() -> None:
    """A frame with more distinct levels beats a two-tone one."""
    two_tone = np.where(_pattern() > 127, 200, 40).astype(np.uint8)
    assert frame_score(_pattern()) > frame_score(two_tone) > 0


def test_candidates_span_ten_to_sixty_percent() -> None:
    """Six candidates run evenly from 10% to 60% of the duration."""
    assert candidate_times(100.0) == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]


@pytest.mark.parametrize(("thumbs", "expected"), [
    (1, (1, 1)), (4, (4, 1)), (10, (10, 1)), (11, (10, 2)), (99, (10, 10)), (100, (10, 10)),
    (250, (10, 10)),
])
def test_grid_shrinks_only_for_a_single_sheet(thumbs: int, expected: tuple[int, int]) -> None:
    """A single partial sheet is cropped to what it holds; several sheets keep the full grid."""
    assert storyboard_grid(thumbs, 10, 10) == expected


def test_cues_cover_the_duration_with_the_last_one_ending_at_it() -> None:
    """Cue k spans [k*interval, (k+1)*interval) and the last ends at the duration."""
    cues = storyboard_cues(12.4, 5, 3, 160, 90, 3, 1)
    assert [(c.start, c.end) for c in cues] == [(0.0, 5.0), (5.0, 10.0), (10.0, 12.4)]
    assert [(c.x, c.y) for c in cues] == [(0, 0), (160, 0), (320, 0)]


def test_cues_wrap_rows_and_sheets() -> None:
    """Tiles fill rows left to right, then the next row, then the next sheet."""
    cues = storyboard_cues(4.0, 0.5, 8, 160, 90, 3, 2)
    assert [(c.sprite, c.x, c.y) for c in cues] == [
        ("storyboard_000.jpg", 0, 0), ("storyboard_000.jpg", 160, 0),
        ("storyboard_000.jpg", 320, 0), ("storyboard_000.jpg", 0, 90),
        ("storyboard_000.jpg", 160, 90), ("storyboard_000.jpg", 320, 90),
        ("storyboard_001.jpg", 0, 0), ("storyboard_001.jpg", 160, 0)]
    assert cues[-1].end == 4.0


def test_short_clip_has_one_cue_ending_at_its_duration() -> None:
    """A clip shorter than the interval gets one cue from 0 to its end."""
    assert storyboard_cues(2.0, 5, 1, 90, 160, 1, 1) == [
        StoryboardCue(0.0, 2.0, "storyboard_000.jpg", 0, 0, 90, 160)]


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "00:00:00.000"), (5.0005, "00:00:05.000"), (61.25, "00:01:01.250"),
    (3723.5, "01:02:03.500"), (36000, "10:00:00.000"),
])
def test_vtt_timestamps(seconds: float, text: str) -> None:
    """Timestamps are HH:MM:SS.mmm with millisecond rounding."""
    assert vtt_timestamp(seconds) == text


def test_vtt_text_points_at_relative_sprites() -> None:
    """The VTT has a header and one cue per tile with a relative `#xywh` fragment."""
    cues = storyboard_cues(7.5, 5, 2, 160, 90, 2, 1)
    assert storyboard_vtt(cues) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:05.000\nstoryboard_000.jpg#xywh=0,0,160,90\n\n"
        "00:00:05.000 --> 00:00:07.500\nstoryboard_000.jpg#xywh=160,0,160,90\n")


def test_filter_values_are_escaped_twice() -> None:
    """':' and graph separators in a path survive both levels of filtergraph parsing."""
    assert escape_filter_value("/tmp/a:b,c[d]") == r"/tmp/a\\:b\,c\[d\]"
    assert escape_filter_value("/tmp/plain/file.txt") == "/tmp/plain/file.txt"


def test_storyboard_argv_is_one_pass_sampling_at_cue_starts() -> None:
    """One ffmpeg pass: zero-based pts, fps rounding up, a thumbnail cap, scale, count, tile."""
    argv = storyboard_argv("ffmpeg", Path("in.mp4"), Path("out"), 5, 160, (10, 10), 42,
                           Path("/tmp/n.txt"), demuxer="mov")
    vf = argv[argv.index("-vf") + 1]
    assert vf.startswith("setpts=PTS-STARTPTS,fps=fps=1/5:round=up:eof_action=pass,"
                         "select='lt(n,42)',")
    assert "metadata=mode=print:file=/tmp/n.txt" in vf
    assert vf.endswith(",tile=10x10")
    assert argv[-3:] == ["-start_number", "0", "out/storyboard_%03d.jpg"]
    assert argv[argv.index("-map") + 1] == "0:V:0"  # capital V: never the cover art


def test_poster_argv_seeks_before_input_and_fits_the_box() -> None:
    """The poster is one frame at the chosen time, fit in a 1280 box with even sides."""
    argv = poster_argv("ffmpeg", Path("in.mp4"), 12.3456, Path("poster.jpg"), demuxer="mov")
    i = argv.index("-i")
    # Seek 5 s early, then decode to the frame: 7.346 + 5.000 is the time asked for.
    assert (argv.index("-ss"), argv[argv.index("-ss") + 1]) < (i, "7.346")
    assert argv[argv.index("-ss", i) + 1] == "5.000"
    early = poster_argv("ffmpeg", Path("in.mp4"), 1.5, Path("poster.jpg"), demuxer="mov")
    assert [early[k + 1] for k, a in enumerate(early) if a == "-ss"] == ["0.000", "1.500"]
    assert argv[argv.index("-map") + 1] == "0:V:0"
    vf = argv[argv.index("-vf") + 1]
    assert "min(1280,iw)" in vf and "force_divisible_by=2" in vf
    assert argv[-1] == "poster.jpg"


def test_poster_and_storyboard_read_the_main_video_with_its_demuxer_pinned(make_probe):
    """With the probe's video, both map its stream index, flatten alpha first and pin `-f`."""
    video = dataclasses.replace(make_probe().video, index=2, alpha=True)
    for argv in (poster_argv("ffmpeg", Path("in.ts"), 1.0, Path("p.jpg"), video=video,
                             demuxer="mpegts"),
                 storyboard_argv("ffmpeg", Path("in.ts"), Path("out"), 5, 160, (10, 10), 42,
                                 Path("/tmp/n.txt"), video, demuxer="mpegts")):
        assert argv[argv.index("-i") - 4:argv.index("-i") + 2] == [
            "-protocol_whitelist", "file", "-f", "mpegts", "-i", "in.ts"]
        assert argv[argv.index("-map") + 1] == "0:2"
        assert argv[argv.index("-vf") + 1].startswith("premultiply=inplace=1,")
