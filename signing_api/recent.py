"""A small time-bounded memo for the API's hottest read that may be a little stale: ready videos.

Each API process keeps what it read for `ttl_s` (a second by default), so a player fetching
playlists and URLs in a burst costs one video read per second, not one per request. The
price is that a video made private elsewhere may be shown for up to `ttl_s` more by a
process that read it just before; this process forgets at once what it changes itself.
Playback URLs already live far longer than that. Tokens are not kept: signing out must
hold at once in every process (a reload right after signing out must not sign back in).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Values younger than `ttl_s`, at most `size` of them (the oldest go first)."""

    def __init__(self, ttl_s: float, size: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._size = size
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        if self.ttl_s <= 0:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if self._clock() - found[0] >= self.ttl_s:
                del self._items[key]
                return None
            return found[1]

    def put(self, key: K, value: V) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (self._clock(), value)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)
