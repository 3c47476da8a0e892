"""The time grid playback URLs are signed on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class SigningWindow:
    """Windows of `window_s` seconds: everything signed inside one shares its start as the
    signing date and lives `ttl_s` from it, so a signed playlist is reused for the window and
    every URL lives `ttl_s - window_s` at least."""

    ttl_s: int
    clock: Callable[[], float] = time.time
    window_s: int = field(init=False)

    def __post_init__(self) -> None:
        self.window_s = max(1, min(60, self.ttl_s // 10))

    def start(self, now: float | None = None) -> int:
        """The current window's start (or the one holding `now`), in epoch seconds."""
        now = self.clock() if now is None else now
        return int(now) // self.window_s * self.window_s

    def expires(self, start: int | None = None) -> int:
        """When URLs signed in the window starting at `start` (default: now) stop working."""
        return (self.start() if start is None else start) + self.ttl_s

    def expires_at(self, start: int | None = None) -> datetime:
        return datetime.fromtimestamp(self.expires(start), UTC)


def moment(epoch_s: int) -> datetime:
    """An epoch second as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch_s, UTC)
