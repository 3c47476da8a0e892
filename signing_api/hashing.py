"""Room for password hashes: at most a set number at once in this API process.

An argon2 check holds its memory cost (64 MiB by default) while it runs, so a burst of
sign-ins would otherwise hold that much per worker thread; the bound is per process because
memory is, and a host's total is this times the API processes it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from signing_api.errors import ApiError


class SignInBusy(ApiError):
    """No slot for a password hash freed up in time: a 503 the caller may retry at once."""

    def __init__(self) -> None:
        super().__init__(503, "signin_busy", "sign-in is busy; try again in a moment",
                         {"Retry-After": "1"})


class HashSlots:
    """`size` slots for password hashes; a caller waits up to `wait_s` for one, else 503."""

    def __init__(self, size: int, wait_s: float) -> None:
        self.size = size
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the body; `SignInBusy` when none frees up within `wait_s`."""
        # A semaphore for threads: sign-in runs in the API's worker threads, never on the loop.
        if not self._slots.acquire(timeout=self.wait_s):
            raise SignInBusy
        try:
            yield
        finally:
            self._slots.release()
