"""The segment grid in frames and the chunks a ladder is split into on it (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

SEGMENT_S = 4
HEAD_S = 2  # half a segment: the first chunk is small so the first frame is fast
RAMP = (1, 2, 4, 8)  # segments per chunk after the head, before chunks reach full length
CHUNK_S = 60


@dataclass(frozen=True)
class Chunk:
    """Frames [start, end) of the output grid, encoded as segments first_segment onwards,
    one per entry of `segment_starts` (absolute frame numbers, the first equal to start)."""

    index: int
    start: int
    end: int
    first_segment: int
    segment_starts: tuple[int, ...]

    @property
    def segment_count(self) -> int:
        return len(self.segment_starts)

    @property
    def last_segment(self) -> int:
        return self.first_segment + self.segment_count - 1

    @property
    def frames(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class ChunkLayout:
    """One video's output grid: `total` frames at `rate`, segments of `segment_frames`
    (the head one shorter), tiled by `chunks` in order; segment numbers start at 1."""

    rate: Fraction
    segment_frames: int
    total: int
    chunks: tuple[Chunk, ...]

    def seconds(self, frame: int) -> Fraction:
        """Where frame number `frame` starts, exactly."""
        return frame / self.rate

    @property
    def segment_starts(self) -> tuple[int, ...]:
        """The first frame of every segment, in order (segment n is entry n - 1)."""
        return tuple(s for c in self.chunks for s in c.segment_starts)

    @property
    def segment_frame_counts(self) -> tuple[int, ...]:
        starts = self.segment_starts
        return tuple(b - a for a, b in zip(starts, (*starts[1:], self.total), strict=True))

    @property
    def segment_durations(self) -> tuple[Fraction, ...]:
        """Every segment's length in seconds, exactly (what the playlists list)."""
        return tuple(n / self.rate for n in self.segment_frame_counts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rate as "num/den", chunks as lists of plain values."""
        return {"rate": str(self.rate), "segment_frames": self.segment_frames,
                "total": self.total,
                "chunks": [{"index": c.index, "start": c.start, "end": c.end,
                            "first_segment": c.first_segment,
                            "segment_starts": list(c.segment_starts)} for c in self.chunks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkLayout:
        chunks = tuple(Chunk(c["index"], c["start"], c["end"], c["first_segment"],
                             tuple(c["segment_starts"])) for c in data["chunks"])
        return cls(Fraction(data["rate"]), data["segment_frames"], data["total"], chunks)


def grid(rate: Fraction, segment_s: float = SEGMENT_S) -> int:
    """Frames per segment: a whole number, so keyframes can be forced by frame count."""
    return max(1, round(rate * Fraction(segment_s)))


def total_frames(length_s: float, rate: Fraction) -> int:
    """Frames on the grid of a `length_s` output: those starting before its end, as an
    output `-t` of the same length (printed with three decimals) keeps."""
    return max(1, math.ceil(Fraction(f"{length_s:.3f}") * rate))


def preroll_frames(rate: Fraction, seconds: float = 0.5) -> int:
    """Frames decoded before a chunk's start and dropped, so frame-rate conversion and the
    deinterlacer see the same neighbours as in one process."""
    return math.ceil(rate * Fraction(seconds))


def plan_chunks(total: int, video_end: int, segment_frames: int, head: int,
                ramp: tuple[int, ...] = RAMP, body: int = CHUNK_S // SEGMENT_S
                ) -> tuple[Chunk, ...]:
    """Chunks tiling frames [0, total): one chunk when `total` fits in `body` segments;
    else a head chunk of one `head`-frame segment, then chunks of `ramp` segments, then of
    `body` segments. Chunks start only on segment starts before `video_end` (a chunk must
    decode at least one picture), so the last one runs to `total`, cloning the final
    picture when the sound outlasts it."""
    if total < 1 or segment_frames < 1 or body < 1:
        raise ValueError("plan_chunks: total, segment_frames and body must be positive")
    head = max(1, min(head, segment_frames))
    if total <= body * segment_frames:
        return (Chunk(0, 0, total, 1, tuple(range(0, total, segment_frames))),)
    starts = [0, *range(head, total, segment_frames)]
    sizes = [1, *(min(r, body) for r in ramp)]
    chunks: list[Chunk] = []
    i = 0  # index into starts of the next chunk's first segment
    while i < len(starts):
        n = sizes[len(chunks)] if len(chunks) < len(sizes) else body
        j = min(i + n, len(starts))
        # The next chunk could not decode a picture: this one takes the rest.
        if j < len(starts) and starts[j] >= video_end:
            j = len(starts)
        end = starts[j] if j < len(starts) else total
        chunks.append(Chunk(len(chunks), starts[i], end, i + 1, tuple(starts[i:j])))
        i = j
    return tuple(chunks)


def chunk_layout(length_s: float, rate: Fraction, *, video_s: float | None = None,
                 segment_s: float = SEGMENT_S, head_s: float = HEAD_S,
                 chunk_s: float = CHUNK_S) -> ChunkLayout:
    """The layout of a `length_s` output at `rate` whose picture lasts `video_s` (the whole
    length when None), in chunks of about `chunk_s` after a `head_s` head."""
    g = grid(rate, segment_s)
    total = total_frames(length_s, rate)
    video_end = total if video_s is None else min(total, max(1, math.floor(
        Fraction(f"{video_s:.3f}") * rate)))
    head = round(rate * Fraction(head_s))
    body = max(1, round(Fraction(chunk_s) / Fraction(segment_s)))
    return ChunkLayout(rate, g, total, plan_chunks(total, video_end, g, head, RAMP, body))
