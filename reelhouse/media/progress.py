"""Running ffmpeg with `-progress pipe:1` and turning its key=value blocks into callbacks."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reelhouse.media.ffmpeg import FfmpegError

ProgressCallback = Callable[[float, float | None], None]
"""Called with (percent 0-100, speed as a multiple of realtime or None when unknown)."""


@dataclass(frozen=True)
class Progress:
    """One `-progress` block: how far the output has got and how fast."""

    out_time_s: float
    percent: float
    speed: float | None
    done: bool


class ProgressParser:
    """Feeds `-progress` lines; each `progress=` line closes a block and yields a `Progress`."""

    def __init__(self, duration_s: float) -> None:
        self.duration_s = duration_s
        self._block: dict[str, str] = {}
        self._percent = 0.0

    def feed(self, line: str) -> Progress | None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        self._block[key] = value.strip()
        if key != "progress":
            return None
        block, self._block = self._block, {}
        done = value.strip() == "end"
        out_time = _out_time_s(block)
        if self.duration_s > 0 and out_time is not None:
            self._percent = max(self._percent, min(100.0, 100.0 * out_time / self.duration_s))
        if done:
            self._percent = 100.0
        return Progress(out_time or 0.0, round(self._percent, 2), _speed(block.get("speed")),
                        done)


def _out_time_s(block: dict[str, str]) -> float | None:
    # out_time_ms is in microseconds too (a historical ffmpeg misnomer); early blocks say N/A
    # and the first can be negative while encoders prime.
    for key in ("out_time_us", "out_time_ms"):
        try:
            return max(0.0, int(block[key]) / 1e6)
        except (KeyError, ValueError):
            continue
    return None


def _speed(text: str | None) -> float | None:
    try:
        return float(text.rstrip("x")) if text else None
    except ValueError:
        return None  # "N/A" before the first frame


def parse_progress(lines: Iterable[str], duration_s: float) -> list[Progress]:
    """Every block in a captured `-progress` output, in order."""
    parser = ProgressParser(duration_s)
    return [p for p in map(parser.feed, lines) if p is not None]


def run_with_progress(argv: list[str], duration_s: float, timeout_s: float,
                      on_progress: ProgressCallback | None = None,
                      cwd: Path | None = None) -> None:
    """Run an ffmpeg argv that writes `-progress pipe:1` (in `cwd`, see
    reelhouse.media.hls.muxer_cwd); raise `FfmpegError` on failure."""
    parser = ProgressParser(duration_s)
    # stderr goes to a file, not a pipe: nobody reads it until the end, and a full pipe
    # would stall ffmpeg.
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as err, subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
            bufsize=1, cwd=cwd) as proc:

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                progress = parser.feed(line)
                if progress is not None and on_progress is not None:
                    on_progress(progress.percent, progress.speed)
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:  # the callback raised: do not leave ffmpeg running
                proc.kill()
        err.seek(max(0, err.seek(0, 2) - 4000))
        tail = err.read().decode(errors="replace")
    if timed_out.is_set():
        raise FfmpegError(f"ffmpeg timed out after {timeout_s:.0f}s", tail)
    if returncode != 0:
        last = tail.strip().splitlines()[-1] if tail.strip() else "no output"
        raise FfmpegError(f"ffmpeg exited {returncode}: {last}", tail)
