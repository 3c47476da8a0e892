"""The HLS ladder in one ffmpeg process: decode once, scale in cascade, fMP4 segments."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath

from reelhouse.keys import RUNG_PLAYLIST
from reelhouse.media.ffmpeg import FfmpegError, ffmpeg_path
from reelhouse.media.hls_check import check_hls
from reelhouse.media.ladder import LadderPlan, PlannedRung
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.media.probe import Probe, VideoInfo
from reelhouse.media.progress import ProgressCallback, run_with_progress
from reelhouse.media.reader import source_input
from reelhouse.media.sdr import deinterlace, flatten, tonemap

SEGMENT_S = 4
AUDIO_NAME = "audio"
AUDIO_GROUP = "aud"
INIT_NAME = "init.mp4"
MASTER_NAME = "master.m3u8"


class HlsOutputError(FfmpegError):
    """ffmpeg finished but the HLS tree is incomplete or inconsistent."""


@dataclass(frozen=True)
class Rendition:
    """One written rendition, measured from its files (width/height are None for audio)."""

    name: str
    width: int | None
    height: int | None
    bitrate: int  # average bits per second over the segments
    peak_bitrate: int  # the busiest full segment
    total_bytes: int  # init section plus segments
    segment_count: int
    duration_s: float
    codecs: str


@dataclass(frozen=True)
class HlsResult:
    """What a transcode produced: the tree under `out_dir` and per-rendition facts."""

    out_dir: Path
    ladder_version: str
    segment_s: int
    duration_s: float
    renditions: tuple[Rendition, ...]
    audio: Rendition | None
    elapsed_s: float

    @property
    def master(self) -> Path:
        return self.out_dir / MASTER_NAME

    @property
    def realtime_x(self) -> float:
        """Seconds of video transcoded per second of wall clock."""
        return self.duration_s / self.elapsed_s if self.elapsed_s > 0 else 0.0


# tpad holds the last frame while the sound goes on (the output's -t or a trim ends it), so
# every rung lasts as long as the file, as a player shows a soundtrack longer than its picture.
HOLD = "tpad=stop=-1:stop_mode=clone"


def source_chain(video: VideoInfo, rate: Fraction,
                 window: tuple[int, int] | None = None) -> list[str]:
    """Filters making progressive SDR frames at `rate` from the decoded picture; with
    `window` (start, end) only output frames [start, end), restamped to start at 0."""
    # ffmpeg has already applied the display rotation (autorotate) before this graph.
    trim = [] if window is None else [f"trim=start_pts={window[0]}:end_pts={window[1]}",
                                      "setpts=PTS-STARTPTS"]
    return [*flatten(video), *deinterlace(video), f"fps={rate}", HOLD, *trim,
            *tonemap(video)]


def at_top_rung(video: VideoInfo, rungs: tuple[PlannedRung, ...]) -> bool:
    """Whether the source's frames already are the top rung's: its size in square pixels,
    unrotated, 8-bit 4:2:0 in limited range (an HDR source leaves the tone map that way).
    The top scaler and format would then only copy every frame."""
    top = rungs[0]
    return (not video.alpha and video.rotation == 0
            and (video.width, video.height) == (top.width, top.height)
            == (video.coded_width, video.coded_height)
            and (video.pix_fmt == "yuv420p" or bool(video.hdr)))


def ladder_chains(label: str, source: list[str], rungs: tuple[PlannedRung, ...],
                  video: VideoInfo) -> list[str]:
    """The cascade from input `label` through `source`: outputs [v0].. largest first, each
    rung scaled from the one before (the top one only if the source is not already it)."""
    chains, n = [], len(rungs)
    for i, rung in enumerate(rungs):
        # setsar=1: scale keeps the display aspect by bending the pixel aspect, which
        # players would then stretch; our sizes already carry the aspect ratio.
        chain = f"scale={rung.width}:{rung.height},setsar=1"
        if i == 0:
            top = "setsar=1" if at_top_rung(video, rungs) else f"{chain},format=yuv420p"
            chain = f"{label}{','.join([*source, top])}"
        else:
            chain = f"[c{i - 1}]{chain}"
        chains.append(f"{chain},split=2[v{i}][c{i}]" if i < n - 1 else f"{chain}[v{i}]")
    return chains


def filter_graph(probe: Probe, plan: LadderPlan) -> str:
    """`-filter_complex`: progressive frames at a constant rate, SDR 8-bit 4:2:0, each rung
    scaled from the last."""
    assert probe.video is not None
    chains = ladder_chains(f"[0:{probe.video.index}]",
                           source_chain(probe.video, plan.frame_rate), plan.rungs,
                           probe.video)
    if plan.audio is not None and probe.audio is not None:
        # Silence after a soundtrack shorter than the picture, for the same reason.
        chains.append(f"[0:{probe.audio.index}]apad[a]")
    return ";".join(chains)


def _var_stream_map(plan: LadderPlan) -> str:
    group = f",agroup:{AUDIO_GROUP}" if plan.audio else ""
    entries = [f"v:{i}{group},name:{r.name}" for i, r in enumerate(plan.rungs)]
    if plan.audio:
        entries.append(f"a:0{group},name:{AUDIO_NAME},default:yes")
    return " ".join(entries)


def hls_argv(ffmpeg: str, src: Path | str, probe: Probe, plan: LadderPlan, out_dir: Path | str,
             segment_s: int = SEGMENT_S, *, max_duration_s: float | None = None) -> list[str]:
    """The ffmpeg argv writing the whole ladder under `out_dir` (see `reelhouse.keys`)."""
    if probe.video is None:
        raise ValueError("hls_argv: the probe has no video stream")
    out = Path(out_dir).absolute()
    if "%" in str(out):  # the muxer expands %v and %05d in these paths
        raise ValueError(f"output directory may not contain '%': {out}")
    gop = max(1, round(float(plan.frame_rate) * segment_s))
    limit = probe.duration_s + segment_s
    length = probe.duration_s  # of the longest stream, which the padding brings all to
    if max_duration_s is not None:
        limit, length = min(limit, max_duration_s), min(length, max_duration_s)
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
            "-progress", "pipe:1", "-y",
            # A forced demuxer and file-only protocols: the input cannot turn into a
            # playlist that opens other files or URLs.
            "-t", f"{limit:.3f}", *source_input(src, probe.demuxer, probe.video),
            "-filter_complex", filter_graph(probe, plan),
            "-map_metadata", "-1", "-map_chapters", "-1"]
    for i in range(len(plan.rungs)):
        argv += ["-map", f"[v{i}]"]
    if plan.audio is not None:
        if probe.audio is None:
            raise ValueError("hls_argv: the plan has audio but the probe has none")
        argv += ["-map", "[a]"]
    # Identical GOPs, no scene-cut keyframes and keyframes forced on segment boundaries:
    # every rung's segments start on the same frame, so players switch rungs cleanly.
    argv += ["-c:v", "libx264", "-preset", plan.preset, "-g", str(gop), "-keyint_min",
             str(gop), "-sc_threshold", "0", "-force_key_frames",
             f"expr:gte(t,n_forced*{segment_s})"]
    for i, r in enumerate(plan.rungs):
        argv += [f"-b:v:{i}", str(r.bitrate), f"-maxrate:v:{i}", str(r.maxrate),
                 f"-bufsize:v:{i}", str(r.bufsize), f"-profile:v:{i}", r.profile,
                 f"-level:v:{i}", r.level]
    if plan.audio is not None:
        a = plan.audio
        argv += ["-c:a", a.codec, "-b:a", str(a.bitrate), "-ac", str(a.channels),
                 "-ar", str(a.sample_rate)]
    # Without %v every variant's init would be init_N.mp4, so "../%v/" puts it in the rung
    # directory (the playlist URI is rewritten to "init.mp4" afterwards). The muxer only
    # expands %v here when there are several variants.
    variants = len(plan.rungs) + (1 if plan.audio is not None else 0)
    init = f"../%v/{INIT_NAME}" if variants > 1 else INIT_NAME
    # No -fs: the hls muxer writes through its own per-segment files, which -fs cannot see.
    argv += ["-t", f"{length:.3f}", "-f", "hls", "-hls_time", str(segment_s),
             "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
             "-hls_flags", "independent_segments",
             "-start_number", "1", "-hls_fmp4_init_filename", init,
             "-hls_segment_filename", f"{out}/%v/seg_%05d.m4s",
             "-master_pl_name", MASTER_NAME, "-var_stream_map", _var_stream_map(plan),
             f"{out}/%v/{RUNG_PLAYLIST}"]
    return argv


@contextmanager
def muxer_cwd(out: Path) -> Iterator[Path]:
    """A working directory for an HLS ffmpeg writing into `out`: the muxer also creates the
    directory of the init name (`../%v/init.mp4`) relative to its working directory, which
    from here is a rung's own directory in `out` rather than a stray one beside the caller's."""
    cwd = out / ".cwd"
    cwd.mkdir(exist_ok=True)
    try:
        yield cwd
    finally:
        cwd.rmdir()


def transcode_hls(src: Path | str, probe: Probe, plan: LadderPlan, out_dir: Path | str,
                  ffmpeg: str | None = None, on_progress: ProgressCallback | None = None,
                  timeout_s: float | None = None, *, segment_s: int = SEGMENT_S,
                  max_duration_s: float | None = None) -> HlsResult:
    """Transcode `src` into a checked HLS tree in the empty (or new) directory `out_dir`."""
    out = Path(out_dir).resolve()  # absolute: ffmpeg runs in muxer_cwd
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"output directory is not empty: {out}")
    argv = hls_argv(ffmpeg_path(ffmpeg), Path(src).resolve(), probe, plan, out, segment_s,
                    max_duration_s=max_duration_s)
    duration = probe.duration_s if max_duration_s is None else min(probe.duration_s,
                                                                    max_duration_s)
    started = time.monotonic()
    with muxer_cwd(out) as cwd:
        run_with_progress(argv, duration, timeout_s or max(60.0, 10.0 * duration), on_progress,
                          cwd)
    elapsed = time.monotonic() - started
    return _finish(out, plan, duration, segment_s, elapsed)


def _finish(out: Path, plan: LadderPlan, duration: float, segment_s: int,
            elapsed: float) -> HlsResult:
    try:
        # ffmpeg's master knows the RFC 6381 codec strings (from the encoders' headers).
        written = parse_master_playlist((out / MASTER_NAME).read_text()).variants
        codecs = {PurePosixPath(v.uri).parent.name: (v.codecs or "").split(",")
                  for v in written}
        renditions = tuple(
            _rendition(out, r.name, segment_s, r.width, r.height,
                       codecs.get(r.name, [""])[0] or avc1(r.profile, r.level))
            for r in plan.rungs)
        aac = next((c for cs in codecs.values() for c in cs if c.startswith("mp4a")),
                   "mp4a.40.2")
        audio = _rendition(out, AUDIO_NAME, segment_s, None, None, aac) if plan.audio else None
    except (OSError, ValueError) as e:
        raise HlsOutputError(f"ffmpeg wrote an incomplete HLS tree: {e}") from e
    _write_master(out, plan, renditions, audio)
    problems = check_hls(out, plan.names, duration, segment_s, audio=plan.audio is not None)
    if problems:
        raise HlsOutputError("HLS output failed its checks: " + "; ".join(problems[:5]))
    return HlsResult(out, plan.version, segment_s, renditions[0].duration_s, renditions, audio,
                     round(elapsed, 3))


def _rendition(out: Path, name: str, segment_s: int, width: int | None, height: int | None,
               codecs: str) -> Rendition:
    """Measure one rendition and point its playlist at `init.mp4` beside it."""
    path = out / name / RUNG_PLAYLIST
    text = path.read_text().replace(f'URI="../{name}/{INIT_NAME}"', f'URI="{INIT_NAME}"')
    path.write_text(text)
    playlist = parse_media_playlist(text)
    sizes = [(out / name / s.uri).stat().st_size for s in playlist.segments]
    durations = [s.duration_s for s in playlist.segments]
    pairs = list(zip(sizes, durations, strict=True))
    # A short last segment can look busy; judge the peak on full-length segments.
    full = [(b, d) for b, d in pairs if d >= segment_s / 2] or pairs
    peak = max((b * 8 / d for b, d in full if d > 0), default=0.0)
    total_s = sum(durations) or 1.0
    init = (out / name / INIT_NAME).stat().st_size
    return Rendition(name, width, height, round(sum(sizes) * 8 / total_s), round(peak),
                     init + sum(sizes), len(sizes), round(sum(durations), 3), codecs)


def avc1(profile: str, level: str) -> str:
    """RFC 6381 codec string x264 writes for this profile and level (when ffmpeg gave none)."""
    prefix = {"high": "6400", "main": "4d40", "baseline": "42c0"}[profile]
    return f"avc1.{prefix}{round(float(level) * 10):02x}"


def master_playlist(plan: LadderPlan, renditions: tuple[Rendition, ...],
                    audio: Rendition | None) -> str:
    """The master playlist text, with the measured bandwidths of `renditions`."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio is not None and plan.audio is not None:
        lines.append(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="{AUDIO_NAME}",'
                     f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="{plan.audio.channels}",'
                     f'URI="{AUDIO_NAME}/{RUNG_PLAYLIST}"')
    for r in renditions:
        peak = r.peak_bitrate + (audio.peak_bitrate if audio else 0)
        average = r.bitrate + (audio.bitrate if audio else 0)
        codecs = ",".join(c for c in (r.codecs, audio.codecs if audio else "") if c)
        group = f',AUDIO="{AUDIO_GROUP}"' if audio else ""
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
                  f"RESOLUTION={r.width}x{r.height},FRAME-RATE={float(plan.frame_rate):.3f},"
                  f'CODECS="{codecs}"{group}', f"{r.name}/{RUNG_PLAYLIST}"]
    return "\n".join(lines) + "\n"


def _write_master(out: Path, plan: LadderPlan, renditions: tuple[Rendition, ...],
                  audio: Rendition | None) -> None:
    """Replace ffmpeg's master with one carrying measured bandwidths, atomically."""
    tmp = out / f".{MASTER_NAME}.tmp"
    tmp.write_text(master_playlist(plan, renditions, audio))
    os.replace(tmp, out / MASTER_NAME)
