"""Facts of encoded chunks and of the audio: what each process wrote, small enough to pass
between steps as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SegmentFile:
    """One written fMP4 segment: its global number, file name, size in bytes and, for audio,
    the duration ffmpeg listed (video durations come from the grid)."""

    number: int
    name: str
    size: int
    duration_s: float | None = None


@dataclass(frozen=True)
class RungPart:
    """What one process wrote of one rendition: its init section's checksum and size, the
    codec string ffmpeg named and its segments in order."""

    name: str
    init_sha256: str
    init_size: int
    codecs: str
    segments: tuple[SegmentFile, ...]


@dataclass(frozen=True)
class ChunkResult:
    """Facts of one encoded chunk: the directory it wrote into and each rung, ladder order."""

    index: int
    out_dir: str
    rungs: tuple[RungPart, ...]
    elapsed_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "out_dir": self.out_dir, "elapsed_s": self.elapsed_s,
                "rungs": [_part_dict(r) for r in self.rungs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkResult:
        return cls(data["index"], data["out_dir"], tuple(map(_part_from, data["rungs"])),
                   data["elapsed_s"])


@dataclass(frozen=True)
class AudioResult:
    """Facts of the audio encode: the directory it wrote into and its one rendition."""

    out_dir: str
    part: RungPart
    elapsed_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"out_dir": self.out_dir, "part": _part_dict(self.part),
                "elapsed_s": self.elapsed_s}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AudioResult:
        return cls(data["out_dir"], _part_from(data["part"]), data["elapsed_s"])


def _part_dict(part: RungPart) -> dict[str, Any]:
    return {"name": part.name, "init_sha256": part.init_sha256, "init_size": part.init_size,
            "codecs": part.codecs,
            "segments": [[s.number, s.name, s.size, s.duration_s] for s in part.segments]}


def _part_from(data: dict[str, Any]) -> RungPart:
    return RungPart(data["name"], data["init_sha256"], data["init_size"], data["codecs"],
                    tuple(SegmentFile(*s) for s in data["segments"]))
