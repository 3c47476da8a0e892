"""Split-and-stitch encoding: one chunk's whole ladder, or the whole file's audio, per ffmpeg.

A chunk decodes from a little before its first frame (preroll), keeps exactly its frames of
the output grid, and its child MP4 muxers put its absolute time in every fragment, so the
segments of all chunks of a rung play as one stream behind one init section.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path, PurePosixPath

import av

from reelhouse.keys import RUNG_PLAYLIST
from reelhouse.media.chunk_facts import AudioResult, ChunkResult, RungPart, SegmentFile
from reelhouse.media.chunks import Chunk, ChunkLayout, preroll_frames
from reelhouse.media.ffmpeg import ffmpeg_path
from reelhouse.media.hls import (
    AUDIO_NAME,
    INIT_NAME,
    MASTER_NAME,
    SEGMENT_S,
    HlsOutputError,
    avc1,
    ladder_chains,
    muxer_cwd,
    source_chain,
)
from reelhouse.media.ladder import LadderPlan
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.media.probe import Probe
from reelhouse.media.progress import ProgressCallback, run_with_progress
from reelhouse.media.reader import open_source, source_input, time_base

READ_MARGIN_S = 1  # decoded past a chunk's end, so frame-rate conversion sees what follows
WARMUP_S = 1.0  # encoded before a chunk's start and dropped (see `warmup_frames`)


def _seconds(value: Fraction, rounding: Callable[[Fraction], int] = round) -> str:
    """`value` seconds as ffmpeg reads a duration, to the microsecond."""
    us = rounding(value * 1_000_000)
    return f"{'-' if us < 0 else ''}{abs(us) // 1_000_000}.{abs(us) % 1_000_000:06d}"


def warmup_frames(layout: ChunkLayout, chunk: Chunk) -> int:
    """Frames encoded before a chunk's start into a segment that is thrown away: x264's rate
    control starts cold (measured: about a second 3-5 dB below one process at each join),
    so it warms up on what one process encoded just before."""
    return min(chunk.start, math.ceil(layout.rate * Fraction(WARMUP_S)))


def encoded_starts(layout: ChunkLayout, chunk: Chunk) -> tuple[int, ...]:
    """The first frame of every segment the chunk's ffmpeg writes: the warm-up one (if
    any), then the chunk's own."""
    warm = warmup_frames(layout, chunk)
    return ((chunk.start - warm,) if warm else ()) + chunk.segment_starts


def keyframe_expr(layout: ChunkLayout, chunk: Chunk) -> str:
    """`-force_key_frames` forcing a keyframe on every segment start the chunk's ffmpeg
    writes, counted in frames (comparing fractional times can put G + 1 frames in a
    segment)."""
    g, starts = layout.segment_frames, encoded_starts(layout, chunk)
    if len(starts) < 2 or starts[1] - starts[0] == g:
        return f"expr:gte(n,n_forced*{g})"
    # The first segment (warm-up or head) is shorter: the later cuts come `lag` early.
    lag = g - (starts[1] - starts[0])
    return f"expr:gte(n,n_forced*{g}-{lag}*gte(n_forced,1))"


def _init_name(variants: int) -> str:
    # Without %v every variant's init would be init_N.mp4, so "../%v/" puts it in the rung
    # directory. The muxer only expands %v here when there are several variants.
    return f"../%v/{INIT_NAME}" if variants > 1 else INIT_NAME


def _out(out_dir: Path | str) -> Path:
    out = Path(out_dir).absolute()
    if "%" in str(out):  # the muxer expands %v and %05d in these paths
        raise ValueError(f"output directory may not contain '%': {out}")
    return out


def chunk_argv(ffmpeg: str, src: Path | str, probe: Probe, plan: LadderPlan,
               layout: ChunkLayout, chunk: Chunk, out_dir: Path | str) -> list[str]:
    """The ffmpeg argv writing `chunk`'s segments of every rung under `out_dir`/{rung}/."""
    if probe.video is None:
        raise ValueError("chunk_argv: the probe has no video stream")
    out, r, g = _out(out_dir), layout.rate, layout.segment_frames
    starts = encoded_starts(layout, chunk)
    seek = max(0, starts[0] - preroll_frames(r))
    is_last = chunk.end == layout.total
    # The read stops a margin after the chunk; the last one reads to the end of the file.
    read_s = (Fraction(f"{probe.duration_s:.3f}") + SEGMENT_S - seek / r if is_last
              else (chunk.end - seek) / r + READ_MARGIN_S)
    # -copyts -start_at_zero: frames keep the times they have in one process (file start at
    # 0), so `fps` picks the same picture for every slot and the trim is on absolute slots.
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
            "-progress", "pipe:1", "-y", "-copyts", "-start_at_zero"]
    if seek > 0:
        argv += ["-ss", _seconds(seek / r, math.floor)]
    argv += ["-t", _seconds(read_s, math.ceil), *source_input(src, probe.demuxer, probe.video),
             "-filter_complex", ";".join(ladder_chains(
                 f"[0:{probe.video.index}]",
                 source_chain(probe.video, r, (starts[0], chunk.end)), plan.rungs,
                 probe.video)),
             "-map_metadata", "-1", "-map_chapters", "-1"]
    for i in range(len(plan.rungs)):
        argv += ["-map", f"[v{i}]"]
    # stitchable: headers do not depend on the content, so every chunk's init is the same.
    argv += ["-c:v", "libx264", "-preset", plan.preset, "-g", str(g), "-keyint_min", str(g),
             "-sc_threshold", "0", "-force_key_frames", keyframe_expr(layout, chunk),
             "-x264-params", "stitchable=1"]
    for i, rung in enumerate(plan.rungs):
        argv += [f"-b:v:{i}", str(rung.bitrate), f"-maxrate:v:{i}", str(rung.maxrate),
                 f"-bufsize:v:{i}", str(rung.bufsize), f"-profile:v:{i}", rung.profile,
                 f"-level:v:{i}", rung.level]
    # Every forced keyframe cuts (the first segment is the shortest one the chunk writes).
    shortest = min(starts[1] - starts[0] if len(starts) > 1 else g, g)
    # In the child muxers (each rung's MP4): frag_discont writes the absolute time in each
    # fragment's tfdt and keeps the edit list free of it, the offset puts this chunk there.
    offset = _seconds(starts[0] / r)
    entries = " ".join(f"v:{i},name:{rung.name}" for i, rung in enumerate(plan.rungs))
    # No shift of the B-frame delay in the outer muxer: each fragment's tfdt is then its
    # first frame's decode time (0 in chunk 0), as one process writes it without
    # frag_discont, and the delay lives in the init's edit list alone.
    argv += ["-avoid_negative_ts", "disabled",
             "-f", "hls", "-hls_time", _seconds((shortest - Fraction(1, 2)) / r),
             "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
             "-hls_flags", "independent_segments",
             "-hls_segment_options", f"movflags=+frag_discont:output_ts_offset={offset}",
             "-start_number", str(chunk.first_segment - (len(starts) - chunk.segment_count)),
             "-hls_fmp4_init_filename", _init_name(len(plan.rungs)),
             "-hls_segment_filename", f"{out}/%v/seg_%05d.m4s",
             "-master_pl_name", MASTER_NAME, "-var_stream_map", entries,
             f"{out}/%v/{RUNG_PLAYLIST}"]
    return argv


def audio_argv(ffmpeg: str, src: Path | str, probe: Probe, plan: LadderPlan,
               out_dir: Path | str, length_s: float,
               segment_s: int = SEGMENT_S) -> list[str]:
    """The ffmpeg argv writing the whole file's audio rendition under `out_dir`/audio/, its
    playlist rewritten (complete files only) after every segment."""
    if plan.audio is None or probe.audio is None:
        raise ValueError("audio_argv: the plan or the probe has no audio")
    out, a = _out(out_dir), plan.audio
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
            "-progress", "pipe:1", "-y",
            "-t", f"{min(probe.duration_s + segment_s, length_s + segment_s):.3f}",
            *source_input(src, probe.demuxer), "-vn", "-sn", "-dn",
            "-map", f"0:{probe.audio.index}",
            # Silence after a soundtrack shorter than the picture, as in one process.
            "-af", "apad", "-t", f"{length_s:.3f}", "-c:a", a.codec, "-b:a", str(a.bitrate),
            "-ac", str(a.channels), "-ar", str(a.sample_rate),
            "-map_metadata", "-1", "-map_chapters", "-1",
            "-f", "hls", "-hls_time", str(segment_s), "-hls_playlist_type", "event",
            "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments+temp_file",
            "-start_number", "1", "-hls_fmp4_init_filename", INIT_NAME,
            "-hls_segment_filename", f"{out}/{AUDIO_NAME}/seg_%05d.m4s",
            f"{out}/{AUDIO_NAME}/{RUNG_PLAYLIST}"]


def _fresh(out_dir: Path | str) -> Path:
    out = Path(out_dir).resolve()  # absolute: ffmpeg runs in muxer_cwd
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"output directory is not empty: {out}")
    return out


def _listed(rung_dir: Path) -> list[SegmentFile]:
    """The segments a playlist lists, as files that exist."""
    text = (rung_dir / RUNG_PLAYLIST).read_text()
    found = []
    for s in parse_media_playlist(text).segments:
        stem = PurePosixPath(s.uri).stem
        if PurePosixPath(s.uri).name != s.uri or not stem.startswith("seg_"):
            raise HlsOutputError(f"{rung_dir.name}: unexpected segment URI {s.uri!r}")
        found.append(SegmentFile(int(stem[4:]), s.uri, (rung_dir / s.uri).stat().st_size,
                                 s.duration_s))
    return found


def _part(rung_dir: Path, codecs: str, numbers: range | None, warmup: int = 0) -> RungPart:
    """A rendition's facts from what ffmpeg wrote; the first `warmup` segments (the warm-up)
    are deleted, and the rest must be numbered `numbers`."""
    try:
        segments = _listed(rung_dir)
        init = (rung_dir / INIT_NAME).read_bytes()
        for s in segments[:warmup]:
            (rung_dir / s.name).unlink()
    except (OSError, ValueError) as e:
        raise HlsOutputError(f"ffmpeg wrote an incomplete rendition {rung_dir.name}: {e}") from e
    segments = segments[warmup:]
    if numbers is not None and [s.number for s in segments] != list(numbers):
        raise HlsOutputError(f"{rung_dir.name}: segments {[s.number for s in segments]}, "
                             f"expected {numbers.start}..{numbers.stop - 1}")
    return RungPart(rung_dir.name, hashlib.sha256(init).hexdigest(), len(init), codecs,
                    tuple(segments))


def _codecs(out: Path) -> dict[str, str]:
    """The codec strings ffmpeg's own master names per rendition (from the encoders)."""
    try:
        variants = parse_master_playlist((out / MASTER_NAME).read_text()).variants
    except (OSError, ValueError):
        return {}
    return {PurePosixPath(v.uri).parent.name: (v.codecs or "").split(",")[0] for v in variants}


def encode_chunk(src: Path | str, probe: Probe, plan: LadderPlan, layout: ChunkLayout,
                 chunk: Chunk, out_dir: Path | str, *, ffmpeg: str | None = None,
                 on_progress: ProgressCallback | None = None,
                 timeout_s: float | None = None) -> ChunkResult:
    """Encode `chunk` of every rung into the empty (or new) `out_dir`; its facts."""
    out = _fresh(out_dir)
    argv = chunk_argv(ffmpeg_path(ffmpeg), Path(src).resolve(), probe, plan, layout, chunk, out)
    warm = warmup_frames(layout, chunk)
    seconds = float((chunk.frames + warm) / layout.rate)
    started = time.monotonic()
    with muxer_cwd(out) as cwd:
        run_with_progress(argv, seconds, timeout_s or max(60.0, 10.0 * seconds), on_progress,
                          cwd)
    elapsed = round(time.monotonic() - started, 3)
    codecs = _codecs(out)
    numbers = range(chunk.first_segment, chunk.last_segment + 1)
    parts = tuple(_part(out / r.name, codecs.get(r.name) or avc1(r.profile, r.level), numbers,
                        1 if warm else 0) for r in plan.rungs)
    return ChunkResult(chunk.index, str(out), parts, elapsed)


SegmentCallback = Callable[[SegmentFile], None]
"""Called once per audio segment, in order, as soon as ffmpeg lists it complete."""


def encode_audio(src: Path | str, probe: Probe, plan: LadderPlan, out_dir: Path | str,
                 length_s: float, *, ffmpeg: str | None = None,
                 on_segment: SegmentCallback | None = None,
                 on_progress: ProgressCallback | None = None,
                 timeout_s: float | None = None) -> AudioResult:
    """Encode the whole file's audio into the empty (or new) `out_dir`/audio/; its facts.
    `on_segment` sees each segment once its file and playlist entry are complete."""
    out = _fresh(out_dir)
    argv = audio_argv(ffmpeg_path(ffmpeg), Path(src).resolve(), probe, plan, out, length_s)
    rung_dir = out / AUDIO_NAME
    rung_dir.mkdir()  # the muxer makes directories only for %v paths
    seen: list[SegmentFile] = []

    def poll() -> None:
        if on_segment is None or not (rung_dir / RUNG_PLAYLIST).is_file():
            return
        # temp_file: the playlist is renamed into place whole, after the segments it lists.
        for s in _listed(rung_dir)[len(seen):]:
            seen.append(s)
            on_segment(s)

    def progress(percent: float, speed: float | None) -> None:
        poll()
        if on_progress is not None:
            on_progress(percent, speed)

    started = time.monotonic()
    with muxer_cwd(out) as cwd:
        run_with_progress(argv, length_s, timeout_s or max(60.0, 2.0 * length_s), progress, cwd)
    elapsed = round(time.monotonic() - started, 3)
    poll()
    codecs = _codecs(out).get(AUDIO_NAME) or "mp4a.40.2"
    return AudioResult(str(out), _part(rung_dir, codecs, None), elapsed)


def picture_length_s(src: Path | str, probe: Probe) -> float:
    """How long the picture lasts (its last packet's end from the file's start), which can be
    shorter than the file when the sound goes on; the file's length if it cannot tell."""
    if probe.video is None:
        raise ValueError("picture_length_s: the probe has no video stream")
    with open_source(src, probe.demuxer) as container:
        stream = container.streams[probe.video.index]
        start = (container.start_time or 0) / 1e6
        end = 0.0
        try:
            container.seek(int((start + max(0.0, probe.duration_s - 3.0)) * 1e6))
            for packet in container.demux(stream):
                if packet.pts is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0))
                                         * time_base(stream)) - start)
        except av.error.FFmpegError:  # no index to seek by: the file's length will do
            return probe.duration_s
    return min(probe.duration_s, end) if end > 0 else probe.duration_s
