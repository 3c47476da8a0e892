"""Finding and running the ffmpeg binary: `FFMPEG_BINARY` if set, else imageio-ffmpeg's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from reelhouse.errors import MediaError


class FfmpegError(MediaError, RuntimeError):
    """ffmpeg exited non-zero or timed out; `stderr` holds the tail of what it printed."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def ffmpeg_path(configured: str | None = None) -> str:
    """The ffmpeg to run: the configured binary (name or path), else the bundled one."""
    if configured:
        found = shutil.which(configured) or (configured if Path(configured).is_file() else None)
        if not found:
            raise FfmpegError(f"FFMPEG_BINARY: no executable at {configured!r}")
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(argv: list[str], timeout_s: float) -> None:
    """Run an ffmpeg argv (no shell); raise `FfmpegError` with stderr on failure or timeout."""
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as e:
        raise FfmpegError(f"ffmpeg timed out after {timeout_s:.0f}s",
                          (e.stderr or b"").decode(errors="replace")[-4000:]) from e
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace")[-4000:]
        last = tail.strip().splitlines()[-1] if tail.strip() else "no output"
        raise FfmpegError(f"ffmpeg exited {proc.returncode}: {last}", tail)
