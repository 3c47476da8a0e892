"""Cutting files into parts and reading them back chunk by chunk, without holding them whole."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import pytest

from reelhouse.client import sources
from reelhouse.client.sources import FileSource, StreamSource, open_source, part_range


def test_part_range_cuts_the_last_part_short() -> None:
    """Parts are part_size long except the last, which holds what is left."""
    assert [part_range(n, 10, 95) for n in (1, 2, 10)] == [(0, 10), (10, 10), (90, 5)]
    assert part_range(1, 10, 10) == (0, 10)
    assert part_range(1, 16, 3) == (0, 3)


@pytest.mark.parametrize("number", [0, 11])
def test_part_range_rejects_numbers_outside_the_file(number: int) -> None:
    """Part numbers start at 1 and end at ceil(size / part_size)."""
    with pytest.raises(ValueError, match="part_number: 1-10"):
        part_range(number, 10, 95)


def test_file_parts_stream_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part is read in chunks of at most CHUNK bytes, again on every pass, hashed the same."""
    monkeypatch.setattr(sources, "CHUNK", 4)
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(50)))
    source = FileSource(path)
    body = source.part(10, 10)
    assert [len(c) for c in body.chunks()] == [4, 4, 2]
    assert b"".join(body.chunks()) == bytes(range(10, 20))
    digest = base64.b64encode(hashlib.sha256(bytes(range(10, 20))).digest()).decode()
    assert body.sha256_b64() == digest
    source.close()


def test_a_file_that_shrinks_is_an_error(tmp_path: Path) -> None:
    """Reading past the end of a file that got shorter raises instead of sending a short part."""
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 30)
    source = FileSource(path)
    os.truncate(path, 15)
    with pytest.raises(OSError, match="did it shrink"):
        list(source.part(10, 10).chunks())
    source.close()


def test_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    """The same unchanged file has the same fingerprint; a rewrite gives another one."""
    path = tmp_path / "f.bin"
    path.write_bytes(b"one")
    first, again = FileSource(path), FileSource(path)
    assert first.fingerprint == again.fingerprint
    os.utime(path, ns=(1, 1))
    assert FileSource(path).fingerprint != first.fingerprint


def test_seekable_stream_reads_from_its_position() -> None:
    """A file object is uploaded from where it stands; its size is what is left."""
    stream = io.BytesIO(b"headerPAYLOAD")
    stream.seek(6)
    source = open_source(stream, name="clip.mp4")
    assert (source.size, source.name) == (7, "clip.mp4")
    assert b"".join(source.part(2, 3).chunks()) == b"YLO"


class _Pipe(io.RawIOBase):
    """A stream that can only be read forwards."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._data.read(min(n, 3) if n > 0 else n)  # short reads, like a pipe


def test_unseekable_stream_is_buffered_in_order() -> None:
    """A pipe needs its size, is read part by part in order and cannot be resumed."""
    with pytest.raises(ValueError, match="size"):
        StreamSource(_Pipe(b"abc"))  # type: ignore[arg-type]
    source = StreamSource(_Pipe(b"0123456789"), size=10)  # type: ignore[arg-type]
    assert source.fingerprint is None
    first = source.part(0, 4)
    assert b"".join(first.chunks()) == b"0123" == b"".join(first.chunks())
    with pytest.raises(ValueError, match="in order"):
        source.part(8, 2)
    assert b"".join(source.part(4, 6).chunks()) == b"456789"


def test_text_streams_are_refused() -> None:
    """Text-mode files would change the bytes, so they are refused up front."""
    with pytest.raises(TypeError, match="binary"):
        open_source(io.StringIO("text"))  # type: ignore[arg-type]
