"""Objective quality of rungs against their source (VMAF, else SSIM/PSNR) on subsampled frames."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

import av

from reelhouse.errors import ReelhouseError
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.playlists import parse_media_playlist, write_concat_list
from reelhouse.media.thumbnails import (
    escape_filter_value,
    main_video,
    open_source,
    source_input,
)

Metric = Literal["auto", "vmaf", "ssim_psnr"]
# libvmaf caps 8-bit PSNR at 60 dB; the psnr filter says "inf" for identical frames.
PSNR_CAP_DB = 60.0
# Selected frames are renumbered onto this synthetic clock so both sides pair by index.
_PAIR_RATE = 25
_SSIM_Y = re.compile(r"\bY:([0-9.]+|inf|nan)")
_PSNR_Y = re.compile(r"\bpsnr_y:([0-9.]+|inf|nan)")


class QualityError(ReelhouseError, ValueError):
    """The source or a rung cannot be opened as video for comparison."""


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
    elapsed_s: float = 0.0  # wall time of the ffmpeg pass that measured it (and its siblings)


@dataclass(frozen=True)
class RungRef:
    """One rendition to measure: its index.m3u8 (or an MP4) and its frame size."""

    path: Path
    width: int
    height: int


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


def quality_filtergraph(metric: str, rungs: Sequence[tuple[int, int, str | None]], step: int,
                        run: int, max_frames: int, log_dir: Path, scaler: str = "bicubic",
                        threads: int = 2) -> str:
    """filter_complex comparing inputs 1..N (rungs: width, height, source rate to resample to
    or None) with input 0 (the source, decoded once) on `run` consecutive frames every `step`,
    both sides scaled to the rung's size with the same scaler; logs go to `log_dir`."""
    # The cap lives in select: an output -frames limit puts the streams in a sync queue
    # that ends them all with the shortest, cutting the longer rungs short.
    limit = step * max(1, max_frames // run)
    pick = (f"select='lt(mod(n,{step}),{run})*lt(n,{limit})',scale={{w}}:{{h}}:flags={scaler},"
            f"format=yuv420p,settb=1/{_PAIR_RATE},setpts=N")
    labels = "".join(f"[s{i}]" for i in range(len(rungs)))
    # 0:V is the source's first video stream that is not cover art.
    chains = [f"[0:V:0]split={len(rungs)}{labels}" if len(rungs) > 1 else "[0:V:0]null[s0]"]
    for i, (w, h, rate) in enumerate(rungs):
        # A rung transcoded at another frame rate is compared with the source resampled to it.
        resample = f"fps={rate}," if rate else ""
        chains += [f"[{i + 1}:v]{pick.format(w=w, h=h)}[d{i}]",
                   f"[s{i}]{resample}{pick.format(w=w, h=h)}[r{i}]"]
        if metric == "vmaf":
            log = escape_filter_value(str(log_dir / f"vmaf_{i}.json"))
            chains.append(f"[d{i}][r{i}]libvmaf=log_fmt=json:log_path={log}:n_threads={threads}"
                          f":feature='name=psnr|name=float_ssim'[vmaf{i}]")
        else:
            ssim = escape_filter_value(str(log_dir / f"ssim_{i}.log"))
            psnr = escape_filter_value(str(log_dir / f"psnr_{i}.log"))
            chains += [f"[d{i}]split[d{i}a][d{i}b]", f"[r{i}]split[r{i}a][r{i}b]",
                       f"[d{i}a][r{i}a]ssim=stats_file={ssim}[ssim{i}]",
                       f"[d{i}b][r{i}b]psnr=stats_file={psnr}[psnr{i}]"]
    return ";".join(chains)


def quality_argv(ffmpeg: str, source: Path, rung_inputs: Sequence[str], graph: str,
                 outputs: Sequence[str]) -> list[str]:
    """argv running the comparison graph into the null muxer, source first, then the rungs."""
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            *source_input(source)]
    for url in rung_inputs:
        argv += ["-i", url]
    argv += ["-filter_complex", graph]
    for label in outputs:
        argv += ["-map", f"[{label}]"]
    return argv + ["-fps_mode", "passthrough", "-f", "null", "-"]


@lru_cache(maxsize=8)
def has_filter(ffmpeg: str, name: str) -> bool:
    """Whether this ffmpeg build lists the filter (e.g. libvmaf needs --enable-libvmaf)."""
    out = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=30, check=False).stdout
    return any(line.split()[1:2] == [name] for line in out.splitlines())


def _rate(container: av.container.InputContainer) -> Fraction | None:
    rate = main_video(container).average_rate
    return Fraction(rate) if rate else None


def _rung_input(rung: Path, work: Path, i: int) -> tuple[str, float, Fraction | None]:
    """(ffmpeg input URL, duration, frame rate) of a rung playlist or MP4."""
    if rung.suffix == ".m3u8":
        url = write_concat_list(rung, work / f"rung_{i}.txt")
        duration = parse_media_playlist(rung.read_text()).duration_s
    else:
        url, duration = str(rung), 0.0
    with av.open(url) as container:
        return url, duration or (container.duration or 0) / av.time_base, _rate(container)


def measure_ladder(source: Path, rungs: Sequence[RungRef], sample_every_n: int = 10,
                   max_frames: int = 300, ffmpeg: str | None = None, metric: Metric = "auto",
                   scaler: str = "bicubic", timeout_s: float = 3600) -> list[QualityResult]:
    """Measure every rung in one ffmpeg pass, so the source is decoded once for all of them."""
    if not rungs:
        return []
    exe = ffmpeg_path(ffmpeg)
    if metric == "auto":
        metric = "vmaf" if has_filter(exe, "libvmaf") else "ssim_psnr"
    # VMAF's motion feature looks at the previous frame, so sample pairs of neighbours.
    run = 2 if metric == "vmaf" else 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="reelhouse-q-") as tmp:
        work = Path(tmp)
        try:
            with open_source(Path(source)) as container:
                source_rate = _rate(container)
            inputs = [_rung_input(Path(r.path), work, i) for i, r in enumerate(rungs)]
        except (av.FFmpegError, IndexError) as e:
            raise QualityError(f"cannot open the video to compare: {e}") from e
        specs = []
        for r, (_, _, rate) in zip(rungs, inputs, strict=True):
            differs = rate and source_rate and abs(rate - source_rate) / source_rate > 0.01
            specs.append((r.width, r.height,
                          f"{rate.numerator}/{rate.denominator}" if rate and differs else None))
        estimated = max(math.ceil(d * float(rate or 30)) for _, d, rate in inputs)
        step = sample_step(estimated, sample_every_n, max_frames, run)
        # One libvmaf per rung runs side by side; share the cores between them.
        threads = max(1, min(4, os.cpu_count() or 1) // len(rungs))
        graph = quality_filtergraph(metric, specs, step, run, max_frames, work, scaler, threads)
        kinds = ["vmaf"] if metric == "vmaf" else ["ssim", "psnr"]
        outputs = [f"{kind}{i}" for i in range(len(rungs)) for kind in kinds]
        run_ffmpeg(quality_argv(exe, Path(source), [url for url, _, _ in inputs], graph,
                                outputs), timeout_s)
        if metric == "vmaf":
            results = [parse_vmaf_log((work / f"vmaf_{i}.json").read_text())
                       for i in range(len(rungs))]
        else:
            results = [parse_ssim_psnr_logs((work / f"ssim_{i}.log").read_text(),
                                            (work / f"psnr_{i}.log").read_text())
                       for i in range(len(rungs))]
    elapsed = round(time.monotonic() - started, 3)
    return [replace(r, sample_every_n=step, elapsed_s=elapsed) for r in results]


def measure_quality(source: Path, rung: Path, width: int, height: int,
                    sample_every_n: int = 10, max_frames: int = 300,
                    ffmpeg: str | None = None, metric: Metric = "auto",
                    scaler: str = "bicubic", timeout_s: float = 3600) -> QualityResult:
    """Compare one rung (its index.m3u8 or an MP4) to the source scaled to width x height."""
    return measure_ladder(source, [RungRef(Path(rung), width, height)], sample_every_n,
                          max_frames, ffmpeg, metric, scaler, timeout_s)[0]
