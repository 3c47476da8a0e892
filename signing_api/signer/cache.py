"""Signed playlists in memory: each kept as sent, bounded by the bytes they hold."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Signed:
    """A signed playlist, as UTF-8 and (when worth it) gzip, compressed once per window."""

    body: bytes
    gzipped: bytes | None

    @classmethod
    def of(cls, text: str) -> Signed:
        body = text.encode()
        # Signed playlists are mostly repeated URL prefixes: gzip makes them ~8x smaller.
        return cls(body, gzip.compress(body, 5, mtime=0) if len(body) > 2048 else None)

    def __len__(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


class PlaylistCache:
    """A thread-safe LRU of signed playlists holding at most `max_bytes` of them."""

    def __init__(self, max_bytes: int) -> None:
        self._items: OrderedDict[Hashable, Signed] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Signed | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Signed) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self._max and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)

    @property
    def size_bytes(self) -> int:
        return self._bytes
