"""A lean HTTP/1.1 keep-alive client for load benchmarks: the server is what we measure.

httpx spends about a millisecond of CPU per request; on a 2-core machine the load generator
then competes with the server for the same cores, and its cost shows up as server latency.
This client writes a GET, reads the status line, headers and a Content-Length or chunked
body, and nothing else (no decompression, no cookies, no redirects).
"""

from __future__ import annotations

import asyncio


class HttpError(Exception):
    """The server closed the connection or answered something that is not HTTP/1.1."""


class Connection:
    """One keep-alive connection to `host:port`; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
            self._writer = self._reader = None

    async def get(self, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET `target` (a path with its query); the status and the raw body."""
        if self._writer is None:
            await self.open()
        assert self._reader is not None and self._writer is not None
        lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            return await self._read_response()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as e:
            await self.close()
            raise HttpError(f"GET {target[:60]}: {e}") from e

    async def _read_response(self) -> tuple[int, bytes]:
        assert self._reader is not None
        status_line = await self._reader.readline()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP response: {status_line[:40]!r}")
        length, chunked, closing = None, False, False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                closing = b"close" in value.lower()
        body = await (self._read_chunked() if chunked else self._reader.readexactly(length or 0))
        if closing:
            await self.close()
        return int(parts[1]), body

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        chunks = []
        while True:
            size = int((await self._reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self._reader.readline()
                return b"".join(chunks)
            chunks.append(await self._reader.readexactly(size))
            await self._reader.readline()
