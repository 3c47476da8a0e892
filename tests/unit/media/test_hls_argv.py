"""The one-process HLS argv: input safety, cascaded filter graph, aligned GOPs, layout."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from reelhouse.media.hls import filter_graph, hls_argv
from reelhouse.media.ladder import plan_ladder

FF = "/opt/ffmpeg"
HOLD = "tpad=stop=-1:stop_mode=clone"


def argv_for(probe, out=Path("/out"), **kw):
    return hls_argv(FF, "/in/source", probe, plan_ladder(probe), out, **kw)


def value(argv, flag):
    return argv[argv.index(flag) + 1]


def test_input_is_forced_and_file_only(make_probe):
    """The source is read with a forced demuxer and file-only protocols, stdin closed."""
    argv = argv_for(make_probe())
    assert argv[:2] == [FF, "-nostdin"]
    i = argv.index("-i")
    assert argv[i + 1] == "/in/source"
    before = argv[:i]
    assert value(before, "-protocol_whitelist") == "file"
    assert value(before, "-f") == "mov"
    assert all(isinstance(a, str) for a in argv)


def test_webm_is_read_with_the_matroska_demuxer(make_probe):
    """A Matroska/WebM probe forces `-f matroska`."""
    argv = argv_for(make_probe(format_name="matroska,webm"))
    assert value(argv, "-f") == "matroska"


def test_filter_graph_decodes_once_and_scales_in_cascade(make_probe):
    """One input label, one fps, each rung scaled from the previous one (the top one is the
    source's own 8-bit 4:2:0 frames); the picture holds its last frame and the sound pads
    with silence to the longer of the two."""
    probe = make_probe(1920, 1080, fps=30)
    graph = filter_graph(probe, plan_ladder(probe))
    assert graph == (
        f"[0:0]fps=30,{HOLD},setsar=1,split=2[v0][c0];"
        "[c0]scale=1280:720,setsar=1,split=2[v1][c1];"
        "[c1]scale=854:480,setsar=1,split=2[v2][c2];"
        "[c2]scale=640:360,setsar=1,split=2[v3][c3];"
        "[c3]scale=426:240,setsar=1[v4];"
        "[0:1]apad[a]")


@pytest.mark.parametrize("source", [
    {"width": 1920, "height": 1088},  # a crop the top rung scales away
    {"pix_fmt": "yuvj420p"},  # full range: the scaler converts it to limited
    {"pix_fmt": "yuv422p10le", "bit_depth": 10},
    {"width": 1080, "height": 1920, "rotation": 90},
])
def test_the_top_rung_scales_and_converts_unless_the_source_is_it(make_probe, source):
    """The top scaler and format go only when the source already is the top rung."""
    probe = make_probe(**source)
    top = filter_graph(probe, plan_ladder(probe)).split(";")[0]
    assert re.search(r",scale=\d+:\d+,setsar=1,format=yuv420p,split", top), top


def test_output_lasts_the_file_and_the_input_is_bounded(make_probe):
    """The output's -t (after -i) ends the padded streams at the file's length; the input's
    -t (before -i) stops a file that runs past what its header says."""
    argv = argv_for(make_probe(duration_s=10.0), segment_s=4)
    i = argv.index("-i")
    assert value(argv[:i], "-t") == "14.000" and value(argv[i:], "-t") == "10.000"
    capped = argv_for(make_probe(duration_s=10.0), max_duration_s=6.0)
    i = capped.index("-i")
    assert value(capped[:i], "-t") == "6.000" and value(capped[i:], "-t") == "6.000"


def test_alpha_is_flattened_before_anything_else(make_probe):
    """A source with alpha is premultiplied (onto black) first, while the alpha plane exists."""
    probe = make_probe(320, 180, fps=25, pix_fmt="yuva444p12le", bit_depth=12)
    probe = dataclasses.replace(probe, video=dataclasses.replace(probe.video, alpha=True))
    assert filter_graph(probe, plan_ladder(probe)).startswith(
        f"[0:0]premultiply=inplace=1,fps=25,{HOLD},scale=320:180,")


def test_interlaced_hdr_is_deinterlaced_then_tone_mapped_once_at_the_top(make_probe):
    """Fields are joined before the frame rate is set; HDR is mapped to SDR once, before the
    first scaler, so every rung inherits BT.709 from the top one."""
    from reelhouse.media.sdr import DEINTERLACE, TONEMAP

    probe = make_probe(1920, 1080, fps=25, hdr="hlg", interlaced=True)
    chains = filter_graph(probe, plan_ladder(probe)).split(";")
    assert chains[0] == f"[0:0]{DEINTERLACE},fps=25,{HOLD},{TONEMAP},setsar=1,split=2[v0][c0]"
    assert all("zscale" not in c and "bwdif" not in c for c in chains[1:])


def test_single_rung_graph_has_no_split(make_probe):
    """A tiny source's graph is a single chain."""
    probe = make_probe(320, 180, fps=25)
    assert filter_graph(probe, plan_ladder(probe)) == (
        f"[0:0]fps=25,{HOLD},setsar=1[v0];[0:1]apad[a]")


def test_ten_bit_and_vfr_sources_are_normalised(make_probe):
    """10-bit HEVC becomes 8-bit 4:2:0 and a variable rate becomes a constant one."""
    probe = make_probe(1280, 720, codec="hevc", pix_fmt="yuv420p10le", bit_depth=10,
                       fps=22.6, variable_fps=True)
    graph = value(argv_for(probe), "-filter_complex")
    assert graph.startswith("[0:0]fps=24000/1001,")
    assert graph.count("format=yuv420p") == 1


def test_keyframes_align_with_segments(make_probe):
    """Keyframes are forced every segment, GOPs match the segment and scene cuts are off."""
    argv = argv_for(make_probe(fps=30), segment_s=4)
    assert value(argv, "-force_key_frames") == "expr:gte(t,n_forced*4)"
    assert value(argv, "-g") == "120" and value(argv, "-keyint_min") == "120"
    assert value(argv, "-sc_threshold") == "0"
    assert value(argv, "-c:v") == "libx264"


def test_per_rung_budget(make_probe):
    """Every rung gets its own bitrate, maxrate, bufsize, profile and level."""
    probe = make_probe(1920, 1080)
    argv = argv_for(probe)
    for i, rung in enumerate(plan_ladder(probe).rungs):
        assert value(argv, f"-b:v:{i}") == str(rung.bitrate)
        assert value(argv, f"-maxrate:v:{i}") == str(rung.maxrate)
        assert value(argv, f"-bufsize:v:{i}") == str(rung.bufsize)
        assert value(argv, f"-profile:v:{i}") == rung.profile
        assert value(argv, f"-level:v:{i}") == rung.level


def test_audio_is_encoded_once_into_a_group(make_probe):
    """One AAC stereo encode, shared by every rung through the audio group."""
    argv = argv_for(make_probe(1280, 720))
    assert argv.count("-c:a") == 1
    assert [value(argv, f) for f in ("-c:a", "-b:a", "-ac", "-ar")] == [
        "aac", "128000", "2", "48000"]
    maps = [argv[i + 1] for i, a in enumerate(argv) if a == "-map"]
    assert maps == ["[v0]", "[v1]", "[v2]", "[v3]", "[a]"]
    assert value(argv, "-var_stream_map") == (
        "v:0,agroup:aud,name:720p v:1,agroup:aud,name:480p v:2,agroup:aud,name:360p "
        "v:3,agroup:aud,name:240p a:0,agroup:aud,name:audio,default:yes")


def test_silent_source_has_no_audio_group(make_probe):
    """Without audio there is no audio map, encoder or group."""
    argv = argv_for(make_probe(1280, 720, audio=False))
    assert "-c:a" not in argv and "[a]" not in argv and "apad" not in value(argv,
                                                                          "-filter_complex")
    assert "agroup" not in value(argv, "-var_stream_map")


def test_output_layout(make_probe):
    """fMP4 VOD segments land in out/{rung}/seg_00001.m4s beside index.m3u8 and init.mp4."""
    argv = argv_for(make_probe(1280, 720), out=Path("/data/out"), segment_s=6)
    assert value(argv, "-f") == "mov"  # the input's; the output's comes later
    out_f = argv[len(argv) - 1 - argv[::-1].index("-f") + 1]
    assert out_f == "hls"
    assert value(argv, "-hls_time") == "6"
    assert value(argv, "-hls_segment_type") == "fmp4"
    assert value(argv, "-hls_playlist_type") == "vod"
    assert value(argv, "-start_number") == "1"
    assert value(argv, "-hls_segment_filename") == "/data/out/%v/seg_%05d.m4s"
    assert value(argv, "-master_pl_name") == "master.m3u8"
    assert value(argv, "-hls_fmp4_init_filename") == "../%v/init.mp4"
    assert argv[-1] == "/data/out/%v/index.m3u8"


def test_single_variant_init_name(make_probe):
    """With one variant the muxer does not expand %v, so the init name is plain."""
    argv = argv_for(make_probe(320, 180, audio=False))
    assert value(argv, "-hls_fmp4_init_filename") == "init.mp4"


def test_duration_cap(make_probe):
    """`-t` bounds the read to the probed duration plus a segment, or the cap if lower."""
    probe = make_probe(duration_s=10.0)
    assert value(argv_for(probe), "-t") == "14.000"
    assert value(argv_for(probe, max_duration_s=5), "-t") == "5.000"
    assert argv_for(probe).index("-t") < argv_for(probe).index("-i")


def test_metadata_is_dropped(make_probe):
    """Source metadata (phone GPS tags, encoder names) does not reach the renditions."""
    argv = argv_for(make_probe())
    assert value(argv, "-map_metadata") == "-1"


def test_progress_goes_to_stdout(make_probe):
    """Progress is machine-readable on stdout; stats are not printed to stderr."""
    argv = argv_for(make_probe())
    assert value(argv, "-progress") == "pipe:1" and "-nostats" in argv


def test_percent_in_output_dir_is_refused(make_probe):
    """A '%' in the output path would be expanded by the muxer, so it is refused."""
    with pytest.raises(ValueError, match="%"):
        argv_for(make_probe(), out=Path("/tmp/100%"))


def test_rotation_is_left_to_ffmpeg_autorotate(make_probe):
    """A rotated source scales straight to its upright size; no transpose is added by us."""
    probe = make_probe(720, 1280, rotation=90)
    graph = filter_graph(probe, plan_ladder(probe))
    assert "transpose" not in graph
    assert re.match(r"\[0:0\]fps=30,tpad=[^,]*,scale=720:1280,", graph)
