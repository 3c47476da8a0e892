"""Blocking calls run once per key however many coroutines ask for them at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

V = TypeVar("V")


class Coalescer(Generic[V]):
    """Calls in flight in the thread pool, by key: asking again while one runs awaits it."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[V]] = {}

    async def run(self, key: Hashable, call: Callable[[], V]) -> V:
        """`call()`'s result, from the run already in flight for `key` if there is one."""
        pending = self._running.get(key)
        if pending is None:
            pending = asyncio.ensure_future(run_in_threadpool(call))
            self._running[key] = pending
            pending.add_done_callback(lambda _: self._running.pop(key, None))
        # A caller that goes away must not cancel the run the others are waiting for.
        return await asyncio.shield(pending)
