"""The bytes of an upload, read one part at a time: never the whole file in memory."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


def part_range(number: int, part_size: int, size: int) -> tuple[int, int]:
    """(offset, length) of 1-based part `number` of a `size`-byte file cut every `part_size`."""
    count = max(1, -(-size // part_size))
    if not 1 <= number <= count:
        raise ValueError(f"part_number: 1-{count} for {size} bytes in {part_size}-byte parts")
    offset = (number - 1) * part_size
    return offset, min(part_size, size - offset)


class Body(Protocol):
    """One part's bytes: iterable any number of times (for retries), hashable, closable."""

    length: int

    def chunks(self) -> Iterator[bytes]: ...

    def sha256_b64(self) -> str: ...


class Source(Protocol):
    """Where an upload's bytes come from; `fingerprint` is None when it cannot be resumed."""

    size: int
    name: str
    fingerprint: str | None

    def part(self, offset: int, length: int) -> Body: ...

    def close(self) -> None: ...


def _sha256_b64(chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


class _Range:
    """A byte range read again from its source on every pass: memory is one chunk."""

    def __init__(self, read_at: _ReadAt, offset: int, length: int) -> None:
        self._read_at = read_at
        self.offset = offset
        self.length = length

    def chunks(self) -> Iterator[bytes]:
        position, end = self.offset, self.offset + self.length
        while position < end:
            chunk = self._read_at(position, min(CHUNK, end - position))
            if not chunk:
                raise OSError(f"the file ended at byte {position}, before {end}: did it shrink?")
            position += len(chunk)
            yield chunk

    def sha256_b64(self) -> str:
        return _sha256_b64(self.chunks())


class _ReadAt(Protocol):
    def __call__(self, offset: int, length: int) -> bytes: ...


class _Buffer:
    """A part held in memory: only for streams that cannot seek back for a retry."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self.length = len(data)

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, self.length, CHUNK):
            yield self._data[start:start + CHUNK].tobytes()

    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self._data).digest()).decode()


class FileSource:
    """A file on disk, read with `pread` so parallel workers need no lock or shared offset."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        self._fd = os.open(self.path, os.O_RDONLY)
        stat = os.fstat(self._fd)
        if not S_ISREG(stat.st_mode):
            os.close(self._fd)
            raise IsADirectoryError(f"{path}: not a regular file")
        self.size = stat.st_size
        self.name = self.path.name
        # Path, size and mtime (as rsync does): any edit of the file starts a new upload.
        self.fingerprint: str | None = (
            f"file:{self.path}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}")

    def _read_at(self, offset: int, length: int) -> bytes:
        return os.pread(self._fd, length, offset)

    def part(self, offset: int, length: int) -> Body:
        return _Range(self._read_at, offset, length)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class StreamSource:
    """A binary file object: read under a lock when it can seek, else buffered part by part.

    A stream that cannot seek is read in part order, each part held in memory until S3 has
    it (so memory is `concurrency` parts); it cannot be resumed.
    """

    def __init__(self, stream: BinaryIO, size: int | None = None, name: str | None = None,
                 fingerprint: str | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.seekable = _seekable(stream)
        if size is None:
            if not self.seekable:
                raise ValueError("size: required for a stream that cannot seek")
            start = stream.tell()
            size = stream.seek(0, io.SEEK_END) - start
            stream.seek(start)
        self._start = stream.tell() if self.seekable else 0
        self._next = 0
        self.size = size
        self.name = name or os.path.basename(str(getattr(stream, "name", "") or "")) or "upload"
        self.fingerprint = fingerprint if self.seekable else None

    def _read_at(self, offset: int, length: int) -> bytes:
        with self._lock:
            self._stream.seek(self._start + offset)
            return self._stream.read(length)

    def part(self, offset: int, length: int) -> Body:
        if self.seekable:
            return _Range(self._read_at, offset, length)
        with self._lock:
            if offset != self._next:
                raise ValueError("a stream that cannot seek must be read in order")
            data = _read_exactly(self._stream, length)
            self._next = offset + length
        return _Buffer(data)

    def close(self) -> None:
        """The caller opened the stream, so the caller closes it."""


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _read_exactly(stream: BinaryIO, length: int) -> bytes:
    buffer = bytearray()
    while len(buffer) < length:
        chunk = stream.read(length - len(buffer))
        if not chunk:
            raise OSError(f"the stream ended after {len(buffer)} of {length} bytes of a part")
        buffer += chunk
    return bytes(buffer)


def open_source(source: str | os.PathLike[str] | BinaryIO, size: int | None = None,
                name: str | None = None) -> FileSource | StreamSource:
    """A path becomes a `FileSource` (resumable), a binary file object a `StreamSource`."""
    if isinstance(source, str | os.PathLike):
        found = FileSource(source)
        if name:
            found.name = name
        return found
    if isinstance(source, io.TextIOBase):
        raise TypeError("upload: open the file in binary mode ('rb')")
    if not hasattr(source, "read"):
        raise TypeError(f"upload: a path or a binary file object, not {type(source).__name__}")
    return StreamSource(source, size, name)
