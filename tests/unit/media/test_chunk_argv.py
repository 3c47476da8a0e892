"""One chunk's ladder argv and the whole file's audio argv, as lists."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from reelhouse.media.chunked import (
    audio_argv,
    chunk_argv,
    encoded_starts,
    keyframe_expr,
    warmup_frames,
)
from reelhouse.media.chunks import Chunk, ChunkLayout, chunk_layout, plan_chunks
from reelhouse.media.hls import HOLD, hls_argv
from reelhouse.media.ladder import plan_ladder

FF = "/opt/ffmpeg"


def value(argv, flag):
    return argv[argv.index(flag) + 1]


def input_part(argv):
    return argv[:argv.index("-i")]


def long_layout(rate=Fraction(30)) -> ChunkLayout:
    """300 s at `rate`: head 60 frames, ramp 1, 2, 4, 8, then 15 segments per chunk."""
    return chunk_layout(300.0, rate)


def argv_for(probe, layout, index, out=Path("/out")):
    return chunk_argv(FF, "/in/source", probe, plan_ladder(probe), layout,
                      layout.chunks[index], out)


def test_chunk_argv_seeks_with_preroll_and_trims_on_the_grid(make_probe):
    """Chunk 5 of the plan's example (frames 1860..3660) encodes from one second earlier
    (the warm-up), decodes 15 frames before that, keeps the source's times, and trims
    exactly those frames of the grid before scaling."""
    probe = make_probe(1920, 1080, fps=30, duration_s=300.0)
    layout = long_layout()
    assert warmup_frames(layout, layout.chunks[5]) == 30
    assert encoded_starts(layout, layout.chunks[5])[:2] == (1830, 1860)
    argv = argv_for(probe, layout, 5)
    before = input_part(argv)
    assert value(before, "-ss") == "60.500000"
    assert float(value(before, "-t")) == pytest.approx((3660 - 1815) / 30 + 1)
    assert "-copyts" in before and "-start_at_zero" in before
    graph = value(argv, "-filter_complex")
    assert graph.startswith(f"[0:0]fps=30,{HOLD},trim=start_pts=1830:end_pts=3660,"
                            "setpts=PTS-STARTPTS,setsar=1,split=2[v0][c0];")
    assert graph.count("fps=") == 1 and graph.count("trim=") == 1
    assert "apad" not in graph and "-c:a" not in argv


def test_first_chunk_does_not_seek(make_probe):
    """Chunk 0 reads from the start of the file."""
    probe = make_probe(1920, 1080, fps=30, duration_s=300.0)
    argv = argv_for(probe, long_layout(), 0)
    assert "-ss" not in argv
    assert "trim=start_pts=0:end_pts=60," in value(argv, "-filter_complex")


def test_last_chunk_reads_to_the_end(make_probe):
    """The last chunk's read runs past the file's end, so the held picture fills it."""
    probe = make_probe(1920, 1080, fps=30, duration_s=300.0)
    layout = long_layout()
    last = layout.chunks[-1]
    argv = argv_for(probe, layout, len(layout.chunks) - 1)
    ss = float(value(input_part(argv), "-ss"))
    assert ss + float(value(input_part(argv), "-t")) >= 300.0 + 4
    assert f"trim=start_pts={last.start - 30}:end_pts=9000," in value(argv, "-filter_complex")


def test_child_muxers_get_offset_and_frag_discont(make_probe):
    """The absolute time of the first frame encoded goes into every rung's MP4 muxer, with
    frag_discont; the outer muxer leaves the B-frame delay to the edit list."""
    probe = make_probe(1920, 1080, fps=30000 / 1001, duration_s=300.0)
    layout = long_layout(Fraction(30000, 1001))
    argv = argv_for(probe, layout, 5)
    # 1860 - 30 frames at 29.97 = 61.061 s.
    assert value(argv, "-hls_segment_options") == (
        "movflags=+frag_discont:output_ts_offset=61.061000")
    assert value(argv, "-f") == "mov" and argv[argv.index("hls") - 1] == "-f"
    assert value(argv, "-avoid_negative_ts") == "disabled"


def test_start_number_is_the_global_segment(make_probe):
    """A chunk's own segments carry their global numbers, so chunks never share a file
    name; its warm-up segment takes the number before (and is deleted)."""
    probe = make_probe(1920, 1080, fps=30, duration_s=300.0)
    layout = long_layout()
    assert value(argv_for(probe, layout, 0), "-start_number") == "1"
    for chunk in layout.chunks[1:]:
        argv = argv_for(probe, layout, chunk.index)
        assert value(argv, "-start_number") == str(chunk.first_segment - 1)
    assert value(argv_for(probe, layout, 5), "-start_number") == "16"


def test_keyframes_forced_by_frame_count(make_probe):
    """Keyframes are forced by frame count: after the warm-up, then every G frames; GOPs
    are G, no scene cuts, stitchable headers; every forced keyframe is a cut."""
    probe = make_probe(1280, 720, fps=30000 / 1001, duration_s=300.0)
    layout = long_layout(Fraction(30000, 1001))
    argv = argv_for(probe, layout, 3)
    assert value(argv, "-force_key_frames") == "expr:gte(n,n_forced*120-90*gte(n_forced,1))"
    assert value(argv, "-g") == "120" and value(argv, "-keyint_min") == "120"
    assert value(argv, "-sc_threshold") == "0"
    assert value(argv, "-x264-params") == "stitchable=1"
    assert float(value(argv, "-hls_time")) == pytest.approx(29.5 * 1001 / 30000, abs=1e-6)
    one = chunk_layout(10.0, Fraction(30))
    assert keyframe_expr(one, one.chunks[0]) == "expr:gte(n,n_forced*120)"


def forced(expr: str, frames: int) -> list[int]:
    """The frames ffmpeg forces with `expr:gte(n,n_forced*G-LAG*gte(n_forced,1))`."""
    body = expr.removeprefix("expr:gte(n,n_forced*").removesuffix("*gte(n_forced,1))")
    body = body.removesuffix(")")
    g, _, lag = body.partition("-")
    out: list[int] = []
    for n in range(frames):
        if n >= len(out) * int(g) - (int(lag or 0) if out else 0):
            out.append(n)
    return out


def test_keyframes_of_a_chunk_holding_the_head_and_more():
    """A chunk of a short head segment then full ones forces its second keyframe early."""
    layout = ChunkLayout(Fraction(30), 120, 3000, plan_chunks(3000, 30, 120, 60, body=2))
    (only,) = layout.chunks
    expr = keyframe_expr(layout, only)
    assert expr == "expr:gte(n,n_forced*120-60*gte(n_forced,1))"
    assert forced(expr, 400) == [0, 60, 180, 300]


def test_keyframes_land_on_the_warm_up_and_segment_starts():
    """With a warm-up, keyframes fall on its start, the chunk's start and every G after."""
    layout = long_layout()
    chunk = layout.chunks[5]
    starts = encoded_starts(layout, chunk)
    relative = [s - starts[0] for s in starts]
    assert forced(keyframe_expr(layout, chunk), chunk.end - starts[0]) == relative


def test_rungs_layout_and_budget_match_one_process(make_probe):
    """Rung names, budgets, profiles and the file layout are today's, without audio."""
    probe = make_probe(1280, 720, fps=30, duration_s=300.0)
    plan = plan_ladder(probe)
    argv = argv_for(probe, long_layout(), 2, out=Path("/data/out"))
    one = hls_argv(FF, "/in/source", probe, plan, Path("/data/out"))
    for i in range(len(plan.rungs)):
        for flag in (f"-b:v:{i}", f"-maxrate:v:{i}", f"-bufsize:v:{i}", f"-profile:v:{i}",
                     f"-level:v:{i}"):
            assert value(argv, flag) == value(one, flag)
    assert value(argv, "-var_stream_map") == (
        "v:0,name:720p v:1,name:480p v:2,name:360p v:3,name:240p")
    assert value(argv, "-hls_fmp4_init_filename") == "../%v/init.mp4"
    assert value(argv, "-hls_segment_filename") == "/data/out/%v/seg_%05d.m4s"
    assert argv[-1] == "/data/out/%v/index.m3u8"
    assert value(argv, "-map_metadata") == "-1"


def test_short_source_is_one_chunk_through_the_same_builder(make_probe):
    """A 10 s source is one chunk: no seek, frames 0..300, numbered from 1."""
    probe = make_probe(640, 360, fps=30, duration_s=10.0)
    layout = chunk_layout(10.0, Fraction(30))
    assert len(layout.chunks) == 1
    argv = argv_for(probe, layout, 0)
    assert "-ss" not in argv and value(argv, "-start_number") == "1"
    assert "trim=start_pts=0:end_pts=300," in value(argv, "-filter_complex")
    assert value(argv, "-hls_segment_options").endswith("output_ts_offset=0.000000")


def test_percent_in_output_dir_is_refused(make_probe):
    """A '%' in the output path would be expanded by the muxer."""
    probe = make_probe(duration_s=10.0)
    with pytest.raises(ValueError, match="%"):
        argv_for(probe, chunk_layout(10.0, Fraction(30)), 0, out=Path("/tmp/100%"))


def test_audio_argv_encodes_the_whole_file_once(make_probe):
    """The audio is one process for the whole file, padded to the length, its playlist
    rewritten whole after each segment, numbered from 1, beside its own init."""
    probe = make_probe(1280, 720, duration_s=10.0)
    argv = audio_argv(FF, "/in/source", probe, plan_ladder(probe), Path("/out"), 10.0)
    assert value(input_part(argv), "-t") == "14.000"
    assert value(argv, "-map") == "0:1" and "-vn" in argv and value(argv, "-af") == "apad"
    i = argv.index("-i")
    assert value(argv[i:], "-t") == "10.000"
    assert [value(argv, f) for f in ("-c:a", "-b:a", "-ac", "-ar")] == [
        "aac", "128000", "2", "48000"]
    assert value(argv, "-hls_flags") == "independent_segments+temp_file"
    assert value(argv, "-hls_playlist_type") == "event"
    assert value(argv, "-start_number") == "1"
    assert value(argv, "-hls_fmp4_init_filename") == "init.mp4"
    assert argv[-1] == "/out/audio/index.m3u8"


def test_audio_argv_needs_audio(make_probe):
    """A silent source has no audio argv."""
    probe = make_probe(audio=False)
    with pytest.raises(ValueError):
        audio_argv(FF, "/in/source", probe, plan_ladder(probe), Path("/out"), 10.0)


def test_chunk_without_video_is_refused(make_probe):
    """A probe without a picture has no chunk argv."""
    import dataclasses

    probe = dataclasses.replace(make_probe(), video=None)
    layout = ChunkLayout(Fraction(30), 120, 300, (Chunk(0, 0, 300, 1, (0, 120, 240)),))
    with pytest.raises(ValueError):
        chunk_argv(FF, "/in/source", probe, plan_ladder(make_probe()), layout,
                   layout.chunks[0], Path("/out"))
