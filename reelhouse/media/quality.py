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

from reelhouse.errors import MediaError
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.playlists import (
    Segment,
    parse_media_playlist,
    playlist_files,
    write_concat_list,
)
from reelhouse.media.probe import VideoInfo
from reelhouse.media.reader import detect_demuxer, main_video, open_source, source_input
from reelhouse.media.sdr import to_sdr
from reelhouse.media.thumbnails import escape_filter_value

Metric = Literal["auto", "vmaf", "ssim_psnr"]
# libvmaf caps 8-bit PSNR at 60 dB; the psnr filter says "inf" for identical frames.
PSNR_CAP_DB = 60.0
# Selected frames are renumbered onto this synthetic clock so both sides pair by index.
_PAIR_RATE = 25
_SSIM_Y = re.compile(r"\bY:([0-9.]+|inf|nan)")
_PSNR_Y = re.compile(r"\bpsnr_y:([0-9.]+|inf|nan)")


class QualityError(MediaError, ValueError):
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
                        threads: int = 2, *, source: int = 0, tag: str = "",
                        prepare: Sequence[str] = (), video_stream: str = "V:0") -> str:
    """filter_complex comparing inputs source+1..source+N (rungs: width, height, source rate
    to resample to or None) with input `source` (decoded once) on `run` consecutive frames
    every `step`, both sides scaled to the rung's size with the same scaler; logs go to
    `log_dir`. `tag` ends every label and log name, so several graphs can share one pass.
    `prepare` filters the source first as the ladder did (flatten, deinterlace, HDR to SDR);
    `video_stream` picks the source's main video (its index, once probed)."""
    # The cap lives in select: an output -frames limit puts the streams in a sync queue
    # that ends them all with the shortest, cutting the longer rungs short.
    limit = step * max(1, max_frames // run)
    pick = (f"select='lt(mod(n,{step}),{run})*lt(n,{limit})',scale={{w}}:{{h}}:flags={scaler},"
            f"format=yuv420p,settb=1/{_PAIR_RATE},setpts=N")
    labels = "".join(f"[s{i}{tag}]" for i in range(len(rungs)))
    # V:0 is the first video stream that is not cover art.
    head = f"[{source}:{video_stream}]" + "".join(f"{f}," for f in prepare)
    chains = [f"{head}split={len(rungs)}{labels}" if len(rungs) > 1
              else f"{head}null[s0{tag}]"]
    for i, (w, h, rate) in enumerate(rungs):
        # A rung transcoded at another frame rate is compared with the source resampled to it.
        resample = f"fps={rate}," if rate else ""
        d, r = f"d{i}{tag}", f"r{i}{tag}"
        chains += [f"[{source + i + 1}:v]{pick.format(w=w, h=h)}[{d}]",
                   f"[s{i}{tag}]{resample}{pick.format(w=w, h=h)}[{r}]"]
        if metric == "vmaf":
            log = escape_filter_value(str(log_dir / f"vmaf_{i}{tag}.json"))
            chains.append(f"[{d}][{r}]libvmaf=log_fmt=json:log_path={log}:n_threads={threads}"
                          f":feature='name=psnr|name=float_ssim'[vmaf{i}{tag}]")
        else:
            ssim = escape_filter_value(str(log_dir / f"ssim_{i}{tag}.log"))
            psnr = escape_filter_value(str(log_dir / f"psnr_{i}{tag}.log"))
            chains += [f"[{d}]split[{d}a][{d}b]", f"[{r}]split[{r}a][{r}b]",
                       f"[{d}a][{r}a]ssim=stats_file={ssim}[ssim{i}{tag}]",
                       f"[{d}b][{r}b]psnr=stats_file={psnr}[psnr{i}{tag}]"]
    return ";".join(chains)


def quality_argv(ffmpeg: str, source: Path, rung_inputs: Sequence[str], graph: str,
                 outputs: Sequence[str],
                 windows: Sequence[tuple[float, float]] | None = None, *, demuxer: str,
                 video: VideoInfo | None = None) -> list[str]:
    """argv running the comparison graph into the null muxer: the source (its `demuxer`
    pinned), then its rungs.

    With `windows` ((start, duration) each), the source and its rungs are read once per
    window, the source seeking to it: rung_inputs then holds len(windows) groups of rungs.
    """
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    per_window = len(rung_inputs) // len(windows) if windows else len(rung_inputs)
    for w, window in enumerate(windows or [None]):
        seek = ["-ss", f"{window[0]:.3f}", "-t", f"{window[1]:.3f}"] if window else []
        argv += [*seek, *source_input(source, demuxer, video)]
        for url in rung_inputs[w * per_window:(w + 1) * per_window]:
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


# Past this many segments, only this many (spread over the video) are decoded and compared.
MAX_WINDOWS = 4


@dataclass(frozen=True)
class _Window:
    """One segment every rung shares, to compare on its own: where it starts and lasts."""

    index: int
    start_s: float
    duration_s: float
    segments: int  # in every rung's playlist


def pick_windows(rungs: Sequence[Path], count: int = MAX_WINDOWS) -> list[_Window] | None:
    """`count` segments spread over the video, or None to compare the whole video: when it
    has no more segments than that, or a rung is not a playlist segmented like the others."""
    if any(r.suffix != ".m3u8" for r in rungs):
        return None
    segmented = [parse_media_playlist(r.read_text()).segments for r in rungs]
    first = segmented[0]

    def alike(other: list[Segment]) -> bool:
        return len(other) == len(first) and all(
            abs(a.duration_s - b.duration_s) <= 0.01 for a, b in zip(first, other, strict=True))

    if len(first) <= count or not all(alike(other) for other in segmented[1:]):
        return None
    starts = [0.0]
    for segment in first[:-1]:
        starts.append(starts[-1] + segment.duration_s)
    picks = sorted({round(k * (len(first) - 1) / (count - 1)) for k in range(count)})
    return [_Window(i, starts[i], first[i].duration_s, len(first)) for i in picks]


def _window_input(files: list[Path], window: _Window, work: Path, name: str) -> str:
    """A `concatf` input of a rung's init section (if any) and the one segment of `window`;
    `files` is the rung's `playlist_files` and `window.segments` how many are segments."""
    init = files[:len(files) - window.segments]
    listed = [*init, files[len(init) + window.index]]
    path = work / f"{name}.txt"
    path.write_text("".join(f"file:{f.resolve()}\n" for f in listed))
    return f"concatf:file:{path.resolve()}"


def combine(parts: Sequence[QualityResult]) -> QualityResult:
    """Results of several windows of one rung as one: frame-weighted means, the lowest min."""
    counted = [p for p in parts if p.frames_compared]

    def mean(name: str) -> float | None:
        found = [(getattr(p, name), p.frames_compared) for p in counted
                 if getattr(p, name) is not None]
        return sum(v * n for v, n in found) / sum(n for _, n in found) if found else None

    lows = [p.vmaf_min for p in counted if p.vmaf_min is not None]
    return QualityResult(parts[0].metric, mean("vmaf_mean"), min(lows) if lows else None,
                         mean("ssim"), mean("psnr"), sum(p.frames_compared for p in parts))


def measure_ladder(source: Path, rungs: Sequence[RungRef], sample_every_n: int = 10,
                   max_frames: int = 300, ffmpeg: str | None = None, metric: Metric = "auto",
                   scaler: str = "bicubic", timeout_s: float = 3600,
                   video: VideoInfo | None = None,
                   demuxer: str | None = None) -> list[QualityResult]:
    """Measure every rung in one ffmpeg pass, so the source is decoded once for all of them.

    `video` (the source's probe) makes the source deinterlaced and tone-mapped as the
    ladder made it, so an HDR upload is compared with what its rungs were meant to show;
    `demuxer` (the probe's) is pinned to read it.

    A long video is compared on `MAX_WINDOWS` segments spread over it: only those are
    decoded, from the rungs and (seeking) from the source, so the cost stops growing with
    the length of the video while the frames compared still span all of it.
    """
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
            demuxer = demuxer or detect_demuxer(source)
            with open_source(Path(source), demuxer) as container:
                source_rate = _rate(container)
            inputs = [_rung_input(Path(r.path), work, i) for i, r in enumerate(rungs)]
            windows = pick_windows([Path(r.path) for r in rungs], MAX_WINDOWS)
        except (av.FFmpegError, IndexError, ValueError) as e:
            raise QualityError(f"cannot open the video to compare: {e}") from e
        specs = []
        for r, (_, _, rate) in zip(rungs, inputs, strict=True):
            differs = rate and source_rate and abs(rate - source_rate) / source_rate > 0.01
            specs.append((r.width, r.height,
                          f"{rate.numerator}/{rate.denominator}" if rate and differs else None))
        fps = max(float(rate or 30) for _, _, rate in inputs)
        # One libvmaf per rung runs side by side; share the cores between them.
        threads = max(1, min(4, os.cpu_count() or 1) // len(rungs))
        kinds = ["vmaf"] if metric == "vmaf" else ["ssim", "psnr"]
        stream = str(video.index) if video is not None else "V:0"
        if windows is None:
            estimated = max(math.ceil(d * float(rate or 30)) for _, d, rate in inputs)
            step = sample_step(estimated, sample_every_n, max_frames, run)
            graph = quality_filtergraph(metric, specs, step, run, max_frames, work, scaler,
                                        threads, prepare=to_sdr(video), video_stream=stream)
            urls, tags, spans = [url for url, _, _ in inputs], [""], None
        else:
            budget = max(run, max_frames // len(windows))
            step = max(sample_step(math.ceil(w.duration_s * fps), sample_every_n, budget, run)
                       for w in windows)
            tags = [f"w{n}" for n in range(len(windows))]
            graph = ";".join(
                quality_filtergraph(metric, specs, step, run, budget, work, scaler, threads,
                                    source=n * (len(rungs) + 1), tag=tag,
                                    prepare=to_sdr(video), video_stream=stream)
                for n, tag in enumerate(tags))
            files = [playlist_files(Path(r.path)) for r in rungs]
            urls = [_window_input(files[i], w, work, f"w{n}_{i}")
                    for n, w in enumerate(windows) for i in range(len(rungs))]
            spans = [(w.start_s, w.duration_s) for w in windows]
        outputs = [f"{kind}{i}{tag}" for tag in tags for i in range(len(rungs))
                   for kind in kinds]
        run_ffmpeg(quality_argv(exe, Path(source), urls, graph, outputs, spans,
                                demuxer=demuxer, video=video), timeout_s)
        results = []
        for i in range(len(rungs)):
            if metric == "vmaf":
                parts = [parse_vmaf_log((work / f"vmaf_{i}{tag}.json").read_text())
                         for tag in tags]
            else:
                parts = [parse_ssim_psnr_logs((work / f"ssim_{i}{tag}.log").read_text(),
                                              (work / f"psnr_{i}{tag}.log").read_text())
                         for tag in tags]
            results.append(combine(parts))
    elapsed = round(time.monotonic() - started, 3)
    return [replace(r, sample_every_n=step, elapsed_s=elapsed) for r in results]


def measure_quality(source: Path, rung: Path, width: int, height: int,
                    sample_every_n: int = 10, max_frames: int = 300,
                    ffmpeg: str | None = None, metric: Metric = "auto",
                    scaler: str = "bicubic", timeout_s: float = 3600) -> QualityResult:
    """Compare one rung (its index.m3u8 or an MP4) to the source scaled to width x height."""
    return measure_ladder(source, [RungRef(Path(rung), width, height)], sample_every_n,
                          max_frames, ffmpeg, metric, scaler, timeout_s)[0]
