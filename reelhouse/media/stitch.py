"""Stitching encoded chunks into one ladder: one init per rung, global segment numbers, one
continuous VOD playlist per rung (no discontinuities), and the master."""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from reelhouse.errors import MediaError
from reelhouse.keys import RUNG_PLAYLIST
from reelhouse.media.chunk_facts import AudioResult, ChunkResult, RungPart
from reelhouse.media.chunked import encode_audio, encode_chunk, picture_length_s
from reelhouse.media.chunks import CHUNK_S, HEAD_S, ChunkLayout, chunk_layout
from reelhouse.media.hls import (
    AUDIO_NAME,
    INIT_NAME,
    MASTER_NAME,
    SEGMENT_S,
    HlsOutputError,
    HlsResult,
    Rendition,
    master_playlist,
)
from reelhouse.media.hls_check import check_hls
from reelhouse.media.ladder import LadderPlan
from reelhouse.media.probe import Probe


class ChunkMismatchError(MediaError, RuntimeError):
    """Chunks that do not make one continuous ladder: an init section differs between them,
    or a chunk is missing or wrote other segments than its plan says."""


@dataclass(frozen=True)
class StitchedLadder:
    """The text of every playlist of a stitched ladder by path under the HLS root, the
    measured renditions, and each rendition's one init section checksum."""

    playlists: dict[str, str]
    renditions: tuple[Rendition, ...]
    audio: Rendition | None
    duration_s: float
    init_sha256: dict[str, str]


@dataclass(frozen=True)
class JoinPeak:
    """The bitrate of a segment on either side of a chunk join, beside its rung's maxrate."""

    rung: str
    segment: int
    bitrate: int
    maxrate: int

    @property
    def within(self) -> bool:
        return self.bitrate <= self.maxrate


def media_playlist(segments: Sequence[tuple[str, Fraction | float]]) -> str:
    """A VOD fMP4 playlist of (file name, seconds) behind `init.mp4`, numbered from 1."""
    # RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer fits the target.
    target = max(math.floor(Fraction(d) + Fraction(1, 2)) for _, d in segments)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:1", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-INDEPENDENT-SEGMENTS", f'#EXT-X-MAP:URI="{INIT_NAME}"']
    for name, seconds in segments:
        lines += [f"#EXTINF:{float(seconds):.6f},", name]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


def _ordered(layout: ChunkLayout, chunks: Sequence[ChunkResult]) -> list[ChunkResult]:
    """The chunk results in layout order, one per planned chunk."""
    by_index = {c.index: c for c in chunks}
    wanted = [c.index for c in layout.chunks]
    if sorted(by_index) != wanted or len(chunks) != len(wanted):
        raise ChunkMismatchError(f"chunks {sorted(c.index for c in chunks)} do not match the "
                                 f"planned 0..{len(wanted) - 1}")
    return [by_index[i] for i in wanted]


def _one_init(name: str, parts: Sequence[tuple[int, RungPart]]) -> str:
    """The init checksum every chunk of a rung wrote; ChunkMismatchError naming the odd ones."""
    first = parts[0][1].init_sha256
    odd = [i for i, p in parts if p.init_sha256 != first]
    if odd:
        raise ChunkMismatchError(f"{name}: the init section of chunks {odd} differs from "
                                 f"chunk {parts[0][0]}'s; the segments would not decode")
    return first


def _measure(name: str, width: int | None, height: int | None, part_init: int,
             sizes: Sequence[int], durations: Sequence[float], codecs: str,
             segment_s: int) -> Rendition:
    """A rendition's facts from its segment sizes and durations (as one process measures)."""
    pairs = list(zip(sizes, durations, strict=True))
    # A short segment (the head, the last) can look busy; judge the peak on long ones.
    full = [(b, d) for b, d in pairs if d >= segment_s / 2] or pairs
    peak = max((b * 8 / d for b, d in full if d > 0), default=0.0)
    total_s = sum(durations) or 1.0
    return Rendition(name, width, height, round(sum(sizes) * 8 / total_s), round(peak),
                     part_init + sum(sizes), len(sizes), round(sum(durations), 3), codecs)


def stitch(plan: LadderPlan, layout: ChunkLayout, chunks: Sequence[ChunkResult],
           audio: AudioResult | None, segment_s: int = SEGMENT_S) -> StitchedLadder:
    """The playlists joining every chunk's segments of each rung, in order, behind the one
    init section all chunks wrote; ChunkMismatchError when they do not make one stream."""
    ordered = _ordered(layout, chunks)
    durations = layout.segment_durations
    playlists: dict[str, str] = {}
    renditions, inits = [], {}
    for i, rung in enumerate(plan.rungs):
        parts = []
        for result, chunk in zip(ordered, layout.chunks, strict=True):
            part = result.rungs[i] if i < len(result.rungs) else None
            numbers = [s.number for s in part.segments] if part else []
            if part is None or part.name != rung.name or numbers != list(
                    range(chunk.first_segment, chunk.last_segment + 1)):
                raise ChunkMismatchError(f"chunk {chunk.index} has not the segments "
                                         f"{chunk.first_segment}..{chunk.last_segment} of "
                                         f"{rung.name}")
            parts.append((chunk.index, part))
        inits[rung.name] = _one_init(rung.name, parts)
        segments = [s for _, p in parts for s in p.segments]
        playlists[f"{rung.name}/{RUNG_PLAYLIST}"] = media_playlist(
            [(s.name, d) for s, d in zip(segments, durations, strict=True)])
        renditions.append(_measure(rung.name, rung.width, rung.height, parts[0][1].init_size,
                                   [s.size for s in segments], [float(d) for d in durations],
                                   parts[0][1].codecs, segment_s))
    sound = None
    if plan.audio is not None:
        if audio is None or not audio.part.segments:
            raise ChunkMismatchError("the plan has audio but no audio segments were encoded")
        a = audio.part
        listed = [(s.name, s.duration_s or 0.0) for s in a.segments]
        playlists[f"{AUDIO_NAME}/{RUNG_PLAYLIST}"] = media_playlist(listed)
        inits[AUDIO_NAME] = a.init_sha256
        sound = _measure(AUDIO_NAME, None, None, a.init_size, [s.size for s in a.segments],
                         [d for _, d in listed], a.codecs, segment_s)
    playlists[MASTER_NAME] = master_playlist(plan, tuple(renditions), sound)
    return StitchedLadder(playlists, tuple(renditions), sound,
                          float(layout.seconds(layout.total)), inits)


def join_peaks(plan: LadderPlan, layout: ChunkLayout,
               chunks: Sequence[ChunkResult]) -> tuple[JoinPeak, ...]:
    """The bitrate of the segments on both sides of every chunk join, per rung (from sizes
    and the grid's durations): a chunk starting with a full VBV buffer shows here first."""
    ordered = _ordered(layout, chunks)
    durations = layout.segment_durations
    peaks = []
    for i, rung in enumerate(plan.rungs):
        sizes = {s.number: s.size for c in ordered for s in c.rungs[i].segments}
        for chunk in layout.chunks[1:]:
            for n in (chunk.first_segment - 1, chunk.first_segment):
                peaks.append(JoinPeak(rung.name, n, round(sizes[n] * 8 / durations[n - 1]),
                                      rung.maxrate))
    return tuple(peaks)


def gather(out_dir: Path | str, chunks: Sequence[ChunkResult],
           audio: AudioResult | None) -> None:
    """Put every chunk's segments and one init per rendition under `out_dir`/{rendition}/
    (hard links where the file system allows, else copies)."""
    out = Path(out_dir)
    sources = [(Path(c.out_dir), p) for c in chunks for p in c.rungs]
    if audio is not None:
        sources.append((Path(audio.out_dir), audio.part))
    for root, part in sources:
        target = out / part.name
        target.mkdir(parents=True, exist_ok=True)
        for name in (INIT_NAME, *(s.name for s in part.segments)):
            if not (target / name).exists():
                _link(root / part.name / name, target / name)


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(src, dst)


def write_stitched(out_dir: Path | str, stitched: StitchedLadder) -> None:
    """Write the stitched playlists under `out_dir`, each replaced whole."""
    out = Path(out_dir)
    for path, text in stitched.playlists.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)


def stitch_dir(out_dir: Path | str, plan: LadderPlan, layout: ChunkLayout,
               chunks: Sequence[ChunkResult], audio: AudioResult | None, elapsed_s: float,
               segment_s: int = SEGMENT_S) -> HlsResult:
    """Stitch local chunk outputs into a checked HLS tree under the empty `out_dir`, the same
    layout (and facts) one process writes."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"output directory is not empty: {out}")
    stitched = stitch(plan, layout, chunks, audio, segment_s)
    gather(out, chunks, audio)
    write_stitched(out, stitched)
    problems = check_hls(out, plan.names, stitched.duration_s, segment_s,
                         audio=plan.audio is not None)
    if problems:
        raise HlsOutputError("stitched HLS output failed its checks: " + "; ".join(problems[:5]))
    return HlsResult(out, plan.version, segment_s, stitched.renditions[0].duration_s,
                     stitched.renditions, stitched.audio, round(elapsed_s, 3))


def transcode_chunked(src: Path | str, probe: Probe, plan: LadderPlan, out_dir: Path | str,
                      work_dir: Path | str, *, chunk_s: float = CHUNK_S,
                      head_s: float = HEAD_S, ffmpeg: str | None = None,
                      max_duration_s: float | None = None) -> HlsResult:
    """The whole ladder on this host, chunk after chunk, then the audio, stitched under the
    empty `out_dir` (chunk outputs stay under `work_dir`): what the pipeline's steps do
    spread over workers, in one call."""
    started = time.monotonic()
    length = probe.duration_s if max_duration_s is None else min(probe.duration_s,
                                                                 max_duration_s)
    layout = chunk_layout(length, plan.frame_rate, video_s=picture_length_s(src, probe),
                          chunk_s=chunk_s, head_s=head_s)
    work = Path(work_dir)
    chunks = [encode_chunk(src, probe, plan, layout, c, work / f"c{c.index:04d}",
                           ffmpeg=ffmpeg) for c in layout.chunks]
    audio = (encode_audio(src, probe, plan, work / AUDIO_NAME, length, ffmpeg=ffmpeg)
             if plan.audio is not None else None)
    return stitch_dir(out_dir, plan, layout, chunks, audio, time.monotonic() - started)
