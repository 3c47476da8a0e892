"""Parsing ffmpeg's quality logs, the sampling step and the comparison graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.media.quality import (
    PSNR_CAP_DB,
    QualityResult,
    combine,
    parse_ssim_psnr_logs,
    parse_vmaf_log,
    pick_windows,
    quality_argv,
    quality_filtergraph,
    sample_step,
)

# Captured from the bundled ffmpeg's libvmaf (feature=name=psnr|name=float_ssim, log_fmt=json),
# trimmed to the metrics we read and two frames.
VMAF_JSON = """{
 "version": "86da14d",
 "fps": 77.97,
 "frames": [
  {"frameNum": 0, "metrics": {"psnr_y": 27.887161, "float_ssim": 0.876504,
    "integer_motion2": 0.0, "vmaf": 54.458734}},
  {"frameNum": 1, "metrics": {"psnr_y": 27.185719, "float_ssim": 0.869307,
    "integer_motion2": 1.712703, "vmaf": 51.749448}}
 ],
 "pooled_metrics": {
  "psnr_y": {"min": 27.185719, "max": 27.887161, "mean": 27.53644, "harmonic_mean": 27.53213},
  "float_ssim": {"min": 0.869307, "max": 0.876504, "mean": 0.872906,
    "harmonic_mean": 0.872899},
  "vmaf": {"min": 51.749448, "max": 54.458734, "mean": 53.104091, "harmonic_mean": 53.070174}
 },
 "aggregate_metrics": {}
}"""

# Captured stats_file output of the ssim and psnr filters (the psnr one says inf for a
# frame identical to its reference).
SSIM_LOG = """n:1 Y:0.879513 U:0.935509 V:0.953385 All:0.901157 (10.050553)
n:2 Y:0.869577 U:0.922283 V:0.934403 All:0.889166 (9.553253)
"""
PSNR_LOG = "".join(f"{line} \n" for line in [  # ffmpeg ends each line with a space
    "n:1 mse_avg:0.71 mse_y:0.67 mse_u:0.62 mse_v:0.94 psnr_avg:49.64 psnr_y:49.86 "
    "psnr_u:50.21 psnr_v:48.42",
    "n:2 mse_avg:0.00 mse_y:0.00 mse_u:0.00 mse_v:0.00 psnr_avg:inf psnr_y:inf "
    "psnr_u:inf psnr_v:inf",
])


def test_vmaf_log_gives_pooled_scores() -> None:
    """Mean and min VMAF, mean float_ssim and psnr_y, and the frame count come from the log."""
    result = parse_vmaf_log(VMAF_JSON)
    assert result.metric == "vmaf"
    assert (result.vmaf_mean, result.vmaf_min) == (53.104091, 51.749448)
    assert (result.ssim, result.psnr) == (0.872906, 27.53644)
    assert result.frames_compared == 2


def test_ssim_psnr_logs_give_luma_means_with_capped_inf() -> None:
    """SSIM is the mean Y value; an infinite PSNR counts as the 60 dB cap."""
    result = parse_ssim_psnr_logs(SSIM_LOG, PSNR_LOG)
    assert result.metric == "ssim_psnr" and result.vmaf_mean is None
    assert result.ssim == pytest.approx((0.879513 + 0.869577) / 2)
    assert result.psnr == pytest.approx((49.86 + PSNR_CAP_DB) / 2)
    assert result.frames_compared == 2


def test_empty_logs_give_no_scores() -> None:
    """No frames compared means None scores rather than a ZeroDivisionError."""
    result = parse_ssim_psnr_logs("", "")
    assert (result.ssim, result.psnr, result.frames_compared) == (None, None, 0)


@pytest.mark.parametrize(("frames", "every", "cap", "run", "expected"), [
    (100, 10, 300, 1, 10),      # short video: the requested step
    (216_000, 10, 300, 1, 720),  # two hours at 30 fps: widen so 300 frames span it all
    (216_000, 10, 300, 2, 1440),  # pairs: 150 pairs over the whole video
    (100, 1, 300, 2, 2),        # a step never shorter than the run
])
def test_sample_step(frames: int, every: int, cap: int, run: int, expected: int) -> None:
    """The step honours sample_every_n and widens so max_frames covers the whole video."""
    assert sample_step(frames, every, cap, run) == expected


def test_vmaf_graph_samples_pairs_on_both_sides_at_the_rung_size() -> None:
    """Rung and source select the same frames, scale with one scaler and pair by renumbered pts."""
    graph = quality_filtergraph("vmaf", [(640, 360, None)], 10, 2, 300, Path("/t"))
    pick = ("select='lt(mod(n,10),2)*lt(n,1500)',scale=640:360:flags=bicubic,format=yuv420p,"
            "settb=1/25,setpts=N")
    assert graph.split(";") == [
        "[0:V:0]null[s0]", f"[1:v]{pick}[d0]", f"[s0]{pick}[r0]",
        "[d0][r0]libvmaf=log_fmt=json:log_path=/t/vmaf_0.json:n_threads=2"
        ":feature='name=psnr|name=float_ssim'[vmaf0]"]


def test_ladder_graph_decodes_the_source_once_for_every_rung() -> None:
    """Several rungs share one split source; each branch has its own size and logs."""
    graph = quality_filtergraph("ssim_psnr", [(640, 360, None), (426, 240, "30/1")], 5, 1, 300,
                                Path("/t"))
    chains = graph.split(";")
    assert chains[0] == "[0:V:0]split=2[s0][s1]"
    assert "[2:v]select='lt(mod(n,5),1)*lt(n,1500)',scale=426:240:flags=bicubic" in graph
    # Only the rung at another frame rate gets the source resampled to it.
    assert "[s1]fps=30/1,select='lt(mod(n,5),1)*lt(n,1500)',scale=426:240" in graph
    assert "[s0]select='lt(mod(n,5),1)*lt(n,1500)',scale=640:360" in graph
    assert "[d0a][r0a]ssim=stats_file=/t/ssim_0.log[ssim0]" in chains
    assert "[d1b][r1b]psnr=stats_file=/t/psnr_1.log[psnr1]" in chains


def test_quality_argv_reads_the_source_safely_then_the_rungs() -> None:
    """The upload is input 0 with its demuxer pinned and only the file protocol; every output
    goes to null."""
    argv = quality_argv("ffmpeg", Path("src.mov"), ["concatf:file:/t/r.txt"], "G",
                        ["ssim0", "psnr0"], demuxer="mov")
    assert argv == [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-protocol_whitelist", "file", "-f", "mov", "-i", "src.mov",
        "-i", "concatf:file:/t/r.txt", "-filter_complex", "G",
        "-map", "[ssim0]", "-map", "[psnr0]", "-fps_mode", "passthrough", "-f", "null", "-"]


def _playlist(path: Path, durations: list[float]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", '#EXT-X-MAP:URI="init.mp4"']
    for n, d in enumerate(durations, 1):
        lines += [f"#EXTINF:{d:.3f},", f"seg_{n:05d}.m4s"]
    path.write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    return path


def test_windows_spread_over_a_long_video_and_skip_short_or_unlike_ones(tmp_path: Path) -> None:
    """Ten 4 s segments give four windows from first to last; few or unlike segments none."""
    long = [_playlist(tmp_path / r / "index.m3u8", [4.0] * 9 + [2.5]) for r in ("a", "b")]
    windows = pick_windows(long, 4)
    assert [(w.index, w.start_s, w.duration_s) for w in windows] == [
        (0, 0.0, 4.0), (3, 12.0, 4.0), (6, 24.0, 4.0), (9, 36.0, 2.5)]
    assert pick_windows([_playlist(tmp_path / "s" / "index.m3u8", [4.0] * 4)], 4) is None
    unlike = _playlist(tmp_path / "c" / "index.m3u8", [2.0] * 20)
    assert pick_windows([long[0], unlike], 4) is None
    assert pick_windows([tmp_path / "rung.mp4"], 4) is None


def test_windows_combine_into_frame_weighted_means_and_the_lowest_minimum() -> None:
    parts = [QualityResult("vmaf", 90.0, 80.0, 0.98, 40.0, 10),
             QualityResult("vmaf", 96.0, 70.0, 0.99, 44.0, 30)]
    whole = combine(parts)
    assert whole.frames_compared == 40 and whole.vmaf_min == 70.0
    assert whole.vmaf_mean == pytest.approx(94.5) and whole.psnr == pytest.approx(43.0)


def test_windowed_argv_seeks_the_source_once_per_window() -> None:
    argv = quality_argv("ffmpeg", Path("src.mov"), ["r0w0", "r1w0", "r0w1", "r1w1"], "G",
                        ["vmaf0w0"], [(0.0, 4.0), (12.0, 4.0)], demuxer="mpegts")
    inputs = " ".join(argv[argv.index("-y") + 1:argv.index("-filter_complex")])
    assert inputs == ("-ss 0.000 -t 4.000 -protocol_whitelist file -f mpegts -i src.mov "
                      "-i r0w0 -i r1w0 "
                      "-ss 12.000 -t 4.000 -protocol_whitelist file -f mpegts -i src.mov "
                      "-i r0w1 -i r1w1")
