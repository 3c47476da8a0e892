"""The ISO BMFF box reader, on boxes built byte by byte."""

from __future__ import annotations

import struct

import pytest

from reelhouse.media.fmp4 import (
    BoxError,
    boxes,
    edit_media_time,
    find,
    shift_tfdt,
    sidx_earliest,
    tfdt,
    timescale,
)


def box(kind: str, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind.encode()) + body


def full(kind: str, version: int, *payload: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]), *payload)


def segment(base: int, version: int = 1, sidx_time: int | None = None) -> bytes:
    tfdt_box = full("tfdt", version, struct.pack(">Q" if version else ">I", base))
    moof = box("moof", full("mfhd", 0, struct.pack(">I", 1)),
               box("traf", full("tfhd", 0, struct.pack(">I", 1)), tfdt_box))
    sidx = b""
    if sidx_time is not None:
        sidx = full("sidx", 1, struct.pack(">IIQQ", 1, 15360, sidx_time, 0))
    return box("styp", b"msdh") + sidx + moof + box("mdat", b"\x00" * 16)


def init(scale: int, version: int = 0, media_time: int | None = None) -> bytes:
    if version:
        mdhd = full("mdhd", 1, struct.pack(">QQIQ", 0, 0, scale, 0), b"\x00" * 4)
    else:
        mdhd = full("mdhd", 0, struct.pack(">IIII", 0, 0, scale, 0), b"\x00" * 4)
    edts = b""
    if media_time is not None:
        edts = box("edts", full("elst", 0, struct.pack(">IIiI", 1, 0, media_time, 0x10000)))
    trak = box("trak", full("tkhd", 0, b"\x00" * 80), edts,
               box("mdia", mdhd, box("minf", box("stbl"))))
    return box("ftyp", b"iso5") + box("moov", full("mvhd", 0, b"\x00" * 96), trak)


def test_top_level_boxes_in_order():
    """Boxes are listed one after another with their offsets."""
    data = segment(0)
    assert [b.type for b in boxes(data)] == ["styp", "moof", "mdat"]
    first = next(boxes(data))
    assert (first.start, first.end, first.payload) == (0, 12, 8)


def test_large_and_open_ended_sizes():
    """A 64-bit size and a size of 0 (to the end) are both read."""
    large = struct.pack(">I4sQ", 1, b"mdat", 16 + 4) + b"abcd"
    assert [(b.type, b.end, b.payload) for b in boxes(large)] == [("mdat", 20, 16)]
    open_ended = struct.pack(">I4s", 0, b"mdat") + b"xyz"
    assert [(b.type, b.end) for b in boxes(open_ended)] == [("mdat", 11)]


@pytest.mark.parametrize("data", [b"\x00\x00\x00\x20moof", b"\x00\x00\x00\x04free",
                                  box("free") + b"\x00\x01"])
def test_broken_boxes_are_refused(data):
    """A box claiming more bytes than exist, less than its header, or stray bytes, is refused."""
    with pytest.raises(BoxError):
        list(boxes(data))


def test_tfdt_of_both_versions():
    """The base media decode time is read from 32-bit and 64-bit tfdt boxes."""
    assert tfdt(segment(2**40 + 7, version=1)) == 2**40 + 7
    assert tfdt(segment(123456, version=0)) == 123456
    assert [b.type for b in find(segment(5), "moof/traf/tfdt")] == ["tfdt"]


def test_missing_tfdt_is_an_error():
    """A segment without a movie fragment is not read as time 0."""
    with pytest.raises(BoxError, match="tfdt"):
        tfdt(box("styp", b"msdh"))


def test_timescale_of_both_mdhd_versions():
    """The media timescale comes from the first track's mdhd."""
    assert timescale(init(15360)) == 15360
    assert timescale(init(30000, version=1)) == 30000


def test_edit_media_time():
    """The first edit's media time is read; no edit list reads as None."""
    assert edit_media_time(init(15360, media_time=1024)) == 1024
    assert edit_media_time(init(15360)) is None


def test_sidx_earliest_time():
    """The sidx's earliest presentation time, None when the segment has no sidx."""
    assert sidx_earliest(segment(0, sidx_time=99)) == 99
    assert sidx_earliest(segment(0)) is None


def test_shift_moves_tfdt_and_sidx_and_keeps_the_length():
    """Shifting rewrites tfdt and sidx times in place; a value that cannot fit is refused."""
    data = segment(1000, version=1, sidx_time=1000)
    moved = shift_tfdt(data, 500)
    assert len(moved) == len(data) and tfdt(moved) == 1500 and sidx_earliest(moved) == 1500
    assert moved[-16:] == data[-16:]
    with pytest.raises(BoxError):
        shift_tfdt(segment(10, version=0), 2**32)
    with pytest.raises(BoxError):
        shift_tfdt(segment(10), -11)
