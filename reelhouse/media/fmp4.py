"""Reading fragmented MP4 (ISO BMFF) boxes: enough to check an fMP4 ladder's timeline (pure)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from reelhouse.errors import MediaError

# Boxes that hold only other boxes, the ones on the way to what we read.
CONTAINERS = frozenset({"moov", "trak", "mdia", "minf", "stbl", "mvex", "edts", "moof",
                        "traf", "dinf", "udta"})


class BoxError(MediaError, ValueError):
    """Bytes that are not the ISO BMFF boxes we expected."""


@dataclass(frozen=True)
class Box:
    """One box of `data`: its four-character type and where it and its payload lie."""

    type: str
    start: int  # offset of the size field
    end: int  # offset just past the box
    payload: int  # offset of the payload (after size, type and any 64-bit size)


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes one after the other in data[start:end] (not descending into them)."""
    end = len(data) if end is None else end
    at = start
    while at < end:
        if end - at < 8:
            raise BoxError(f"{end - at} stray bytes at offset {at}")
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if end - at < 16:
                raise BoxError(f"truncated 64-bit box size at offset {at}")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:  # the box runs to the end of the file
            size = end - at
        if size < header or at + size > end:
            raise BoxError(f"box {kind!r} at offset {at} claims {size} bytes")
        yield Box(kind.decode("latin-1"), at, at + size, at + header)
        at += size


def find(data: bytes, path: str, start: int = 0, end: int | None = None) -> list[Box]:
    """Every box at `path` ("moof/traf/tfdt"), descending through the named containers."""
    first, _, rest = path.partition("/")
    found = []
    for box in boxes(data, start, end):
        if box.type != first:
            continue
        if not rest:
            found.append(box)
        elif box.type in CONTAINERS:
            found += find(data, rest, box.payload, box.end)
    return found


def _full_box(data: bytes, box: Box) -> tuple[int, int]:
    """Version and the offset after the version and flags of a full box."""
    if box.end - box.payload < 4:
        raise BoxError(f"{box.type} at offset {box.start} is too short")
    return data[box.payload], box.payload + 4


def _one(data: bytes, path: str) -> tuple[bytes, Box]:
    found = find(data, path)
    if not found:
        raise BoxError(f"no {path} box")
    return data, found[0]


def tfdt(segment: bytes) -> int:
    """The first track fragment's base media decode time (in its track's timescale)."""
    data, box = _one(segment, "moof/traf/tfdt")
    version, at = _full_box(data, box)
    return struct.unpack_from(">Q" if version == 1 else ">I", data, at)[0]


def timescale(init: bytes) -> int:
    """The first track's media timescale (ticks per second), from its mdhd."""
    data, box = _one(init, "moov/trak/mdia/mdhd")
    version, at = _full_box(data, box)
    return struct.unpack_from(">I", data, at + (16 if version == 1 else 8))[0]


def sidx_earliest(segment: bytes) -> int | None:
    """The earliest presentation time the segment's first sidx declares, if it has one."""
    found = find(segment, "sidx")
    if not found:
        return None
    version, at = _full_box(segment, found[0])
    # reference_ID and timescale come first.
    return struct.unpack_from(">Q" if version == 1 else ">I", segment, at + 8)[0]


def edit_media_time(init: bytes) -> int | None:
    """The first edit's media time (the composition offset a player skips), if any."""
    found = find(init, "moov/trak/edts/elst")
    if not found:
        return None
    version, at = _full_box(init, found[0])
    (count,) = struct.unpack_from(">I", init, at)
    if count == 0:
        return None
    if version == 1:
        return struct.unpack_from(">q", init, at + 4 + 8)[0]
    return struct.unpack_from(">i", init, at + 4 + 4)[0]


def shift_tfdt(segment: bytes, ticks: int) -> bytes:
    """The segment with every tfdt and sidx earliest time moved by `ticks` (same length);
    BoxError when a moved value does not fit its field."""
    out = bytearray(segment)
    for box in find(segment, "moof/traf/tfdt"):
        version, at = _full_box(segment, box)
        fmt = ">Q" if version == 1 else ">I"
        value = struct.unpack_from(fmt, segment, at)[0] + ticks
        if value < 0 or (version == 0 and value >= 2**32):
            raise BoxError(f"tfdt {value} does not fit a version {version} box")
        struct.pack_into(fmt, out, at, value)
    for box in find(segment, "sidx"):
        version, at = _full_box(segment, box)
        fmt = ">Q" if version == 1 else ">I"
        value = struct.unpack_from(fmt, segment, at + 8)[0] + ticks
        if value < 0 or (version == 0 and value >= 2**32):
            raise BoxError(f"sidx time {value} does not fit a version {version} box")
        struct.pack_into(fmt, out, at + 8, value)
    return bytes(out)
