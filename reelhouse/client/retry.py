"""When to try a storage PUT again, and how long to wait first (exponential, full jitter)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    """What to do after one PUT attempt."""

    DONE = "done"
    RETRY = "retry"  # a transient failure: wait, then send the same bytes again
    RESIGN = "resign"  # the URL was refused (expired): get a fresh one, then send again
    FAIL = "fail"  # retrying cannot help


# S3 error codes that say the bytes differ from what was signed: the file changed under us.
_CHANGED = ("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch",
            "IncompleteBody", "InvalidChecksum")
_GONE = ("NoSuchUpload", "NoSuchBucket")


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` tries per part; waits grow from `base_s` doubling up to `cap_s`."""

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 20.0

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt `attempt` (0-based): uniform in [0, ceiling]."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(attempt, 30))
        return rng() * ceiling


def classify(status: int, body: str = "") -> Outcome:
    """The outcome of a PUT that S3 answered with `status` (and its XML error `body`)."""
    if 200 <= status < 300:
        return Outcome.DONE
    if any(f"<Code>{code}</Code>" in body for code in _GONE) or status == 404:
        return Outcome.FAIL
    if any(f"<Code>{code}</Code>" in body for code in _CHANGED):
        return Outcome.FAIL
    if status == 403:
        return Outcome.RESIGN
    if status in (408, 429) or status >= 500:
        return Outcome.RETRY
    return Outcome.FAIL


def s3_message(status: int, body: str) -> str:
    """A one-line account of an S3 error answer: its code and message when it sent XML."""
    code = _between(body, "<Code>", "</Code>")
    message = _between(body, "<Message>", "</Message>")
    if code in _CHANGED:
        return f"{code}: the bytes sent do not match their checksum or length (did the file " \
               "change during the upload?)"
    return f"HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")


def _between(text: str, start: str, end: str) -> str:
    head, found, tail = text.partition(start)
    return tail.partition(end)[0].strip()[:200] if found else ""
