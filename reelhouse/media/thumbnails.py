"""Poster frames and scrub-preview storyboards (sprite sheets + WebVTT + JSON) from a video."""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from reelhouse.errors import MediaError
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.probe import DEMUXERS, VideoInfo
from reelhouse.media.sdr import deinterlace, to_sdr, tonemap

POSTER_MAX_SIDE = 1280
# Candidates sit in 10-60% of the runtime: past intros and fades, before end credits.
POSTER_SPAN = (0.10, 0.60)
POSTER_FALLBACK_SPAN = (0.65, 0.95)
POSTER_CANDIDATES = 6
# Luma (0-255, full range) bounds outside which a frame reads as black, blown out or flat.
DARK_MEAN, BRIGHT_MEAN, FLAT_STD = 24.0, 232.0, 10.0
SPRITE_PATTERN = "storyboard_%03d.jpg"
# The upload is untrusted: only the demuxers probe accepts, and no protocol but the file
# itself, so a crafted playlist or concat script cannot make ffmpeg read other files.
SOURCE_FORMATS = ",".join(DEMUXERS)


class ThumbnailError(MediaError, ValueError):
    """The source has no decodable video to take a poster or storyboard from."""


@dataclass(frozen=True)
class PosterResult:
    """The poster JPEG written, the source time it shows and how it scored."""

    path: Path
    time_s: float
    width: int
    height: int
    score: float
    blank: bool  # True when every candidate was black/flat and the least bad one was kept


@dataclass(frozen=True)
class StoryboardCue:
    """One scrub-preview cue: a time range and the tile of a sprite sheet that shows it."""

    start: float
    end: float
    sprite: str
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Storyboard:
    """Sprite sheets, the WebVTT and JSON describing them, and the cues both contain."""

    vtt_path: Path
    json_path: Path
    sprites: list[Path]
    interval_s: float
    tile_width: int
    tile_height: int
    columns: int
    rows: int
    cues: list[StoryboardCue]


def frame_score(luma: np.ndarray) -> float:
    """Detail of a luma plane as histogram entropy (0-6 bits); minus 6 when it is black,
    blown out or flat, so any informative frame beats every blank one."""
    mean, std = float(luma.mean()), float(luma.std())
    hist = np.bincount((luma.astype(np.uint8) >> 2).ravel(), minlength=64) / luma.size
    hist = hist[hist > 0]
    entropy = float(-(hist * np.log2(hist)).sum())
    informative = DARK_MEAN <= mean <= BRIGHT_MEAN and std >= FLAT_STD
    return entropy if informative else entropy - 6.0


def candidate_times(duration_s: float, span: tuple[float, float] = POSTER_SPAN,
                    count: int = POSTER_CANDIDATES) -> list[float]:
    """Evenly spaced timestamps over `span` (fractions of the duration), inclusive."""
    lo, hi = span
    step = (hi - lo) / max(count - 1, 1)
    return [round(duration_s * (lo + i * step), 3) for i in range(count)]


def source_input(src: Path) -> list[str]:
    """ffmpeg input arguments that read an upload with the probe's demuxers and nothing else."""
    return ["-protocol_whitelist", "file", "-format_whitelist", SOURCE_FORMATS, "-i", str(src)]


@contextmanager
def open_source(src: Path) -> Iterator[av.container.InputContainer]:
    """Open an upload in PyAV through a file object, limited to the probe's demuxers."""
    with Path(src).open("rb") as f, av.open(
            f, "r", options={"format_whitelist": SOURCE_FORMATS}) as container:
        yield container


def main_video(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The first video stream that is not cover art; IndexError when there is none."""
    streams = [s for s in container.streams.video
               if not s.disposition & av.stream.Disposition.attached_pic]
    return streams[0]


def _sample_luma(src: Path, times: list[float]) -> list[tuple[float, np.ndarray]]:
    """(time from the file start, small luma plane) of the first frame at or after each time."""
    try:
        return _decode_luma(src, times)
    except (av.FFmpegError, IndexError) as e:
        raise ThumbnailError(f"{src.name}: cannot decode video frames: {e}") from e


def _decode_luma(src: Path, times: list[float]) -> list[tuple[float, np.ndarray]]:
    found: list[tuple[float, np.ndarray]] = []
    with open_source(src) as container:
        stream = main_video(container)
        tb = stream.time_base
        start = float(stream.start_time * tb) if stream.start_time is not None else 0.0
        for t in times:
            container.seek(int((start + t) / tb), stream=stream, backward=True)
            last = None
            for frame in container.decode(stream):
                last = frame
                if frame.time is not None and frame.time >= start + t - 1e-3:
                    break
            if last is not None:
                when = (last.time - start) if last.time is not None else t
                gray = last.reformat(width=96, height=54, format="gray").to_ndarray()
                found.append((max(0.0, when), gray))
    return found


def _box_filter(max_side: int) -> str:
    # Square pixels first (anamorphic sources), then fit a box with even sides for yuv420p.
    return (f"scale=iw*sar:ih,setsar=1,scale=w='min({max_side},iw)':h='min({max_side},ih)'"
            ":force_original_aspect_ratio=decrease:force_divisible_by=2")


def poster_argv(ffmpeg: str, src: Path, time_s: float, out_path: Path,
                max_side: int = POSTER_MAX_SIDE, video: VideoInfo | None = None) -> list[str]:
    """argv writing the frame at `time_s` as a JPEG that fits a max_side box with even sides."""
    # -ss before -i seeks to the keyframe, then decodes up to the exact frame; 0:V skips
    # cover art, which is a video stream too.
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-ss", f"{time_s:.3f}", *source_input(src), "-map", "0:V:0", "-frames:v", "1",
            "-vf", ",".join([*to_sdr(video), _box_filter(max_side)]), "-q:v", "3",
            "-update", "1", str(out_path)]


def choose_poster(src: Path, duration_s: float, out_path: Path,
                  ffmpeg: str | None = None, video: VideoInfo | None = None) -> PosterResult:
    """Write the most detailed non-black frame among candidates in 10-60% of the video
    (tone-mapped and deinterlaced as the probe's `video` asks)."""
    src, out_path = Path(src), Path(out_path)
    scored = [(frame_score(luma), t) for t, luma in _sample_luma(src, candidate_times(duration_s))]
    if not scored or max(scored)[0] < 0:
        fallback = _sample_luma(src, candidate_times(duration_s, POSTER_FALLBACK_SPAN))
        scored += [(frame_score(luma), t) for t, luma in fallback]
    score, time_s = max(scored) if scored else (-6.0, 0.0)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(poster_argv(ffmpeg_path(ffmpeg), src, time_s, out_path, video=video),
               timeout_s=300)
    with Image.open(out_path) as im:
        width, height = im.size
    return PosterResult(out_path, time_s, width, height, score, score < 0)


def storyboard_grid(thumbs: int, columns: int, rows: int) -> tuple[int, int]:
    """Columns and rows per sheet: the full grid, shrunk to fit when one sheet holds them all."""
    if thumbs >= columns * rows:
        return columns, rows
    cols = max(1, min(columns, thumbs))
    return cols, max(1, math.ceil(thumbs / cols))


def storyboard_cues(duration_s: float, interval_s: float, thumbs: int, tile_w: int, tile_h: int,
                    columns: int, rows: int) -> list[StoryboardCue]:
    """One cue per thumbnail: [k*interval, (k+1)*interval), the last one ending at the duration."""
    per_sheet = columns * rows
    cues = []
    for k in range(thumbs):
        sheet, cell = divmod(k, per_sheet)
        row, col = divmod(cell, columns)
        end = duration_s if k == thumbs - 1 else min((k + 1) * interval_s, duration_s)
        cues.append(StoryboardCue(round(float(k * interval_s), 3), round(float(end), 3),
                                  SPRITE_PATTERN % sheet, col * tile_w, row * tile_h,
                                  tile_w, tile_h))
    return cues


def vtt_timestamp(seconds: float) -> str:
    """WebVTT timestamp `HH:MM:SS.mmm`."""
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def storyboard_vtt(cues: list[StoryboardCue]) -> str:
    """WebVTT whose cue payloads are `sprite#xywh=x,y,w,h` (relative, presigned by the API)."""
    blocks = ["WEBVTT"]
    for c in cues:
        blocks.append(f"{vtt_timestamp(c.start)} --> {vtt_timestamp(c.end)}\n"
                      f"{c.sprite}#xywh={c.x},{c.y},{c.w},{c.h}")
    return "\n\n".join(blocks) + "\n"


def escape_filter_value(text: str) -> str:
    """An option value (e.g. a file path) escaped for use inside an ffmpeg filtergraph."""
    # Two levels: the filter's option string, then the filtergraph around it.
    once = "".join("\\" + c if c in "\\':" else c for c in text)
    return "".join("\\" + c if c in "\\'[],;" else c for c in once)


def storyboard_argv(ffmpeg: str, src: Path, out_dir: Path, interval_s: float, tile_w: int,
                    grid: tuple[int, int], max_thumbs: int, count_file: Path,
                    video: VideoInfo | None = None) -> list[str]:
    """argv for one pass: a frame every interval, scaled, tiled into sheets, each thumb logged."""
    cols, rows = grid
    landscape = "gte(iw*sar,ih)"
    vf = ",".join([
        *deinterlace(video),
        # Zero-based timestamps so thumbnail k lands on k*interval whatever the start time.
        "setpts=PTS-STARTPTS",
        # round=up makes thumbnail k the frame at k*interval (the default, near, keeps the
        # one half an interval later) and emits ceil(duration/interval) thumbnails, where
        # near emits none at all for a clip shorter than half an interval.
        f"fps=fps=1/{interval_s:g}:round=up:eof_action=pass",
        f"select='lt(n,{max_thumbs})'",
        *tonemap(video),  # on the few frames kept, not on every frame
        "scale=iw*sar:ih,setsar=1",
        # tile_w bounds the longer side so portrait tiles stay as small as landscape ones.
        f"scale=w='if({landscape},{tile_w},-2)':h='if({landscape},-2,{tile_w})'",
        "metadata=mode=add:key=reelhouse.thumb:value=1",
        f"metadata=mode=print:file={escape_filter_value(str(count_file))}",
        f"tile={cols}x{rows}",
    ])
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            *source_input(src), "-map", "0:V:0", "-vf", vf, "-fps_mode", "passthrough", "-q:v", "4",
            "-start_number", "0", str(out_dir / SPRITE_PATTERN)]


def make_storyboard(src: Path, duration_s: float, out_dir: Path, interval_s: float,
                    tile_w: int = 160, columns: int = 10, rows: int = 10,
                    ffmpeg: str | None = None, timeout_s: float = 3600,
                    video: VideoInfo | None = None) -> Storyboard:
    """Write storyboard_NNN.jpg sheets, storyboard.vtt and storyboard.json into `out_dir`."""
    if interval_s <= 0 or duration_s <= 0:
        raise ValueError("make_storyboard: duration and interval must be positive")
    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = max(1, math.ceil(duration_s / interval_s - 1e-6))
    grid = storyboard_grid(expected, columns, rows)
    # Render beside the outputs, then swap in: a failed run leaves the previous storyboard whole.
    with tempfile.TemporaryDirectory(prefix=".storyboard-", dir=out_dir) as tmp:
        work = Path(tmp)
        run_ffmpeg(storyboard_argv(ffmpeg_path(ffmpeg), src, work, interval_s, tile_w, grid,
                                   expected, work / "thumbs.txt", video), timeout_s)
        # The real count, in case the stream ends before the duration the caller probed.
        counted = work / "thumbs.txt"
        thumbs = counted.read_text().count("reelhouse.thumb=") if counted.exists() else 0
        rendered = sorted(work.glob("storyboard_*.jpg"), key=lambda p: int(p.stem[11:]))
        if not thumbs or not rendered:
            raise ThumbnailError(f"{src.name}: no frames decoded for the storyboard")
        for stale in out_dir.glob("storyboard_*.jpg"):
            stale.unlink()  # a rerun with fewer sheets must not leave old ones behind
        sprites = [p.replace(out_dir / p.name) for p in rendered]
    with Image.open(sprites[0]) as im:
        tile_width, tile_height = im.width // grid[0], im.height // grid[1]
    cues = storyboard_cues(duration_s, interval_s, thumbs, tile_width, tile_height, *grid)
    vtt_path, json_path = out_dir / "storyboard.vtt", out_dir / "storyboard.json"
    vtt_path.write_text(storyboard_vtt(cues))
    json_path.write_text(json.dumps({
        "interval_s": interval_s, "duration_s": duration_s, "tile_width": tile_width,
        "tile_height": tile_height, "columns": grid[0], "rows": grid[1],
        "sprites": [p.name for p in sprites], "cues": [asdict(c) for c in cues],
    }, indent=1))
    return Storyboard(vtt_path, json_path, sprites, interval_s, tile_width, tile_height,
                      grid[0], grid[1], cues)
