"""Poster frames and scrub-preview storyboards (sprite sheets + WebVTT + JSON) from a video."""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from reelhouse.errors import MediaError
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.probe import VideoInfo
from reelhouse.media.reader import (
    detect_demuxer,
    main_video,
    map_video,
    open_source,
    source_input,
    time_base,
)
from reelhouse.media.sdr import deinterlace, flatten, to_sdr, tonemap

POSTER_MAX_SIDE = 1280
# Candidates sit in 10-60% of the runtime: past intros and fades, before end credits.
POSTER_SPAN = (0.10, 0.60)
POSTER_FALLBACK_SPAN = (0.65, 0.95)
POSTER_CANDIDATES = 6
POSTER_LEAD_S = 5.0
# Luma (0-255, full range) bounds outside which a frame reads as black, blown out or flat.
DARK_MEAN, BRIGHT_MEAN, FLAT_STD = 24.0, 232.0, 10.0
SPRITE_PATTERN = "storyboard_%03d.jpg"


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


def _detect(src: Path) -> str:
    try:
        return detect_demuxer(src)
    except ValueError as e:
        raise ThumbnailError(str(e)) from e


def _sample_luma(src: Path, times: list[float], demuxer: str,
                 video: VideoInfo | None) -> list[tuple[float, np.ndarray]]:
    """(time from the file start, small luma plane) of the first frame at or after each time."""
    try:
        return _decode_luma(src, times, demuxer, video)
    except (av.FFmpegError, IndexError) as e:
        raise ThumbnailError(f"{src.name}: cannot decode video frames: {e}") from e


def _decode_luma(src: Path, times: list[float], demuxer: str,
                 video: VideoInfo | None) -> list[tuple[float, np.ndarray]]:
    found: list[tuple[float, np.ndarray]] = []
    with open_source(src, demuxer) as container:
        stream = (next(s for s in container.streams.video if s.index == video.index)
                  if video is not None else main_video(container))
        tb = time_base(stream)
        start = float(stream.start_time * tb) if stream.start_time is not None else 0.0
        for t in times:
            last = None
            # MPEG-TS and -PS seeks by timestamp can land past the GOP's keyframe; with no
            # keyframe after it nothing decodes, so decode from the start instead.
            for target in (start + t, start):
                container.seek(int(target / tb), stream=stream, backward=True)
                for frame in container.decode(stream):
                    last = frame
                    if frame.time is not None and frame.time >= start + t - 1e-3:
                        break
                if last is not None:
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
                max_side: int = POSTER_MAX_SIDE, video: VideoInfo | None = None, *,
                demuxer: str) -> list[str]:
    """argv writing the frame at `time_s` as a JPEG that fits a max_side box with even sides."""
    # -ss before -i seeks near the time, then the -ss after it decodes up to the exact
    # frame: seeking POSTER_LEAD_S early means a seek that lands between keyframes (MPEG-TS
    # and -PS seek by timestamp) still meets one before the time. The map skips cover art,
    # which is a video stream too.
    lead = min(time_s, POSTER_LEAD_S)
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-ss", f"{time_s - lead:.3f}", *source_input(src, demuxer, video), "-map",
            map_video(video), "-ss", f"{lead:.3f}", "-frames:v", "1",
            "-vf", ",".join([*to_sdr(video), _box_filter(max_side)]), "-q:v", "3",
            "-update", "1", str(out_path)]


def choose_poster(src: Path, duration_s: float, out_path: Path,
                  ffmpeg: str | None = None, video: VideoInfo | None = None,
                  demuxer: str | None = None) -> PosterResult:
    """Write the most detailed non-black frame among candidates in 10-60% of the video
    (flattened, tone-mapped and deinterlaced as the probe's `video` asks), read with the
    probe's `demuxer` pinned."""
    src, out_path = Path(src), Path(out_path)
    demuxer = demuxer or _detect(src)
    scored = [(frame_score(luma), t)
              for t, luma in _sample_luma(src, candidate_times(duration_s), demuxer, video)]
    if not scored or max(scored)[0] < 0:
        fallback = _sample_luma(src, candidate_times(duration_s, POSTER_FALLBACK_SPAN),
                                demuxer, video)
        scored += [(frame_score(luma), t) for t, luma in fallback]
    score, time_s = max(scored) if scored else (-6.0, 0.0)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(poster_argv(ffmpeg_path(ffmpeg), src, time_s, out_path, video=video,
                           demuxer=demuxer),
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
                    video: VideoInfo | None = None, *, demuxer: str) -> list[str]:
    """argv for one pass: a frame every interval, scaled, tiled into sheets, each thumb logged."""
    cols, rows = grid
    landscape = "gte(iw*sar,ih)"
    vf = ",".join([
        *flatten(video),
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
            *source_input(src, demuxer, video), "-map", map_video(video), "-vf", vf,
            "-fps_mode", "passthrough", "-q:v", "4",
            "-start_number", "0", str(out_dir / SPRITE_PATTERN)]


def make_storyboard(src: Path, duration_s: float, out_dir: Path, interval_s: float,
                    tile_w: int = 160, columns: int = 10, rows: int = 10,
                    ffmpeg: str | None = None, timeout_s: float = 3600,
                    video: VideoInfo | None = None, demuxer: str | None = None) -> Storyboard:
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
                                   expected, work / "thumbs.txt", video,
                                   demuxer=demuxer or _detect(src)), timeout_s)
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
