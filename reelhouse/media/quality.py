"""Objective quality of a rung against its source (VMAF, else SSIM/PSNR) on subsampled frames."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

import av

from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.playlists import parse_media_playlist, write_concat_list
from reelhouse.media.thumbnails import escape_filter_value

Metric = Literal["auto", "vmaf", "ssim_psnr"]
# libvmaf caps 8-bit PSNR at 60 dB; the psnr filter says "inf" for identical frames.
PSNR_CAP_DB = 60.0
# Selected frames are renumbered onto this synthetic clock so both sides pair by index.
_PAIR_RATE = 25
_SSIM_Y = re.compile(r"\bY:([0-9.]+|inf|nan)")
_PSNR_Y = re.compile(r"\bpsnr_y:([0-9.]+|inf|nan)")


@dataclass(frozen=True)
class QualityResult:
    """Scores of a rung against its source, averaged over the frames compared."""

    metric: str  # "vmaf" or "ssim_psnr": what was actually measured
    vmaf_mean: float | None
    vmaf_min: float | None
    ssim: float | None  # mean luma SSIM, 0-1
    psnr: float | None  # mean luma PSNR in dB, capped at PSNR_CAP_DB
    frames_compared: int
    sample_every_n: int = 1
    elapsed_s: float = 0.0


def parse_vmaf_log(text: str) -> QualityResult:
    """Read a libvmaf JSON log (with the psnr and float_ssim features) into a result."""
    data = json.loads(text)
    pooled = data.get("pooled_metrics", {})
    vmaf = pooled.get("vmaf") or {}
    ssim = pooled.get("float_ssim", {}).get("mean")
    psnr = pooled.get("psnr_y", {}).get("mean")
    return QualityResult("vmaf", vmaf.get("mean"), vmaf.get("min"), ssim,
                         min(psnr, PSNR_CAP_DB) if psnr is not None else None,
                         len(data.get("frames", [])))


def _values(pattern: re.Pattern[str], text: str) -> list[float]:
    return [float(v) for v in pattern.findall(text) if v != "nan"]


def parse_ssim_psnr_logs(ssim_text: str, psnr_text: str) -> QualityResult:
    """Read the ssim and psnr filters' per-frame stats files into mean luma SSIM and PSNR."""
    ssim = _values(_SSIM_Y, ssim_text)
    psnr = [min(v, PSNR_CAP_DB) for v in _values(_PSNR_Y, psnr_text)]
    return QualityResult("ssim_psnr", None, None,
                         sum(ssim) / len(ssim) if ssim else None,
                         sum(psnr) / len(psnr) if psnr else None,
                         max(len(ssim), len(psnr)))


def sample_step(estimated_frames: int, sample_every_n: int, max_frames: int, run: int) -> int:
    """Frames between sample starts: at least `sample_every_n`, and wide enough that
    `max_frames` compared frames spread over the whole video rather than its opening."""
    runs = max(1, max_frames // run)
    return max(sample_every_n, run, math.ceil(estimated_frames / runs))


def quality_filtergraph(metric: str, width: int, height: int, step: int, run: int,
                        logs: dict[str, Path], source_fps: str | None = None,
                        scaler: str = "bicubic", threads: int = 2) -> str:
    """filter_complex comparing input 0 (rung) to input 1 (source) on `run` consecutive
    frames every `step`, both scaled to width x height with the same scaler."""
    pick = (f"select='lt(mod(n,{step}),{run})',scale={width}:{height}:flags={scaler},"
            f"format=yuv420p,setpts=N/({_PAIR_RATE}*TB)")
    # A rung transcoded at a lower frame rate is compared with the source resampled to it.
    resample = f"fps={source_fps}," if source_fps else ""
    chains = [f"[0:v]{pick}[dist]", f"[1:v]{resample}{pick}[ref]"]
    if metric == "vmaf":
        chains.append(f"[dist][ref]libvmaf=log_fmt=json:log_path={escape_filter_value(str(logs['vmaf']))}"
                      f":n_threads={threads}:feature='name=psnr|name=float_ssim'[vmaf]")
    else:
        chains += ["[dist]split[d1][d2]", "[ref]split[r1][r2]",
                   f"[d1][r1]ssim=stats_file={escape_filter_value(str(logs['ssim']))}[ssim]",
                   f"[d2][r2]psnr=stats_file={escape_filter_value(str(logs['psnr']))}[psnr]"]
    return ";".join(chains)


def quality_argv(ffmpeg: str, rung_input: str, source: Path, graph: str, outputs: list[str],
                 max_frames: int) -> list[str]:
    """argv running the comparison graph into the null muxer."""
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-i", rung_input, "-i", str(source), "-filter_complex", graph]
    for label in outputs:
        argv += ["-map", f"[{label}]"]
    return argv + ["-frames:v", str(max_frames), "-fps_mode", "passthrough", "-f", "null", "-"]


@lru_cache(maxsize=8)
def has_filter(ffmpeg: str, name: str) -> bool:
    """Whether this ffmpeg build lists the filter (e.g. libvmaf needs --enable-libvmaf)."""
    out = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=30, check=False).stdout
    return any(line.split()[1:2] == [name] for line in out.splitlines())


def _video_rate(url: str) -> Fraction | None:
    with av.open(url) as container:
        rate = container.streams.video[0].average_rate
        return Fraction(rate) if rate else None


def measure_quality(source: Path, rung: Path, width: int, height: int,
                    sample_every_n: int = 10, max_frames: int = 300,
                    ffmpeg: str | None = None, metric: Metric = "auto",
                    scaler: str = "bicubic", timeout_s: float = 3600) -> QualityResult:
    """Compare a rung (its index.m3u8 or an MP4) to the source scaled to width x height."""
    exe = ffmpeg_path(ffmpeg)
    if metric == "auto":
        metric = "vmaf" if has_filter(exe, "libvmaf") else "ssim_psnr"
    # VMAF's motion feature looks at the previous frame, so sample pairs of neighbours.
    run = 2 if metric == "vmaf" else 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="reelhouse-q-") as tmp:
        work, rung = Path(tmp), Path(rung)
        if rung.suffix == ".m3u8":
            rung_input = write_concat_list(rung, work / "rung.txt")
            duration = parse_media_playlist(rung.read_text()).duration_s
        else:
            rung_input = str(rung)
            with av.open(rung_input) as container:
                duration = (container.duration or 0) / av.time_base
        rung_rate, source_rate = _video_rate(rung_input), _video_rate(str(source))
        resample = None
        if rung_rate and source_rate and abs(rung_rate - source_rate) / source_rate > 0.01:
            resample = f"{rung_rate.numerator}/{rung_rate.denominator}"
        estimated = math.ceil(duration * float(rung_rate or 30))
        step = sample_step(estimated, sample_every_n, max_frames, run)
        logs = {name: work / f"{name}.log" for name in ("vmaf", "ssim", "psnr")}
        graph = quality_filtergraph(metric, width, height, step, run, logs, resample, scaler,
                                    threads=max(1, min(4, os.cpu_count() or 1)))
        outputs = ["vmaf"] if metric == "vmaf" else ["ssim", "psnr"]
        run_ffmpeg(quality_argv(exe, rung_input, Path(source), graph, outputs, max_frames),
                   timeout_s)
        if metric == "vmaf":
            result = parse_vmaf_log(logs["vmaf"].read_text())
        else:
            result = parse_ssim_psnr_logs(logs["ssim"].read_text(), logs["psnr"].read_text())
    return QualityResult(result.metric, result.vmaf_mean, result.vmaf_min, result.ssim,
                         result.psnr, result.frames_compared, step,
                         round(time.monotonic() - started, 3))
