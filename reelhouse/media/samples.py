"""Generated clips (ffmpeg lavfi sources) for the first-start sample, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg


def test_clip_argv(ffmpeg: str, out: Path, *, seconds: float = 4, width: int = 640,
                   height: int = 360, fps: int = 30, audio: bool = True,
                   vcodec: str = "libx264", pix_fmt: str = "yuv420p",
                   extra: list[str] | None = None) -> list[str]:
    """argv for a test pattern with a moving box, a clock and (optionally) a 440 Hz tone."""
    video = (f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds},"
             f"drawbox=x='mod(t*120,iw)':y=ih/3:w=iw/8:h=ih/8:color=orange@0.8:t=fill")
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", video]
    if audio:
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    argv += ["-c:v", vcodec, "-pix_fmt", pix_fmt]
    if vcodec == "libx264":
        argv += ["-preset", "veryfast", "-g", str(fps * 2)]
    if audio:
        argv += ["-c:a", "aac" if out.suffix != ".webm" else "libopus", "-b:a", "96k"]
    argv += [*(extra or []), "-shortest" if audio else "-an", str(out)]
    return argv


def make_test_clip(out: Path, ffmpeg: str | None = None, *, seconds: float = 4,
                   **options: object) -> Path:
    """Write a generated clip to `out` (see `test_clip_argv` for the options) and return it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # A long 1080p clip (a benchmark's ten minutes) encodes at a few times realtime at best.
    run_ffmpeg(test_clip_argv(ffmpeg_path(ffmpeg), out, seconds=seconds, **options),  # type: ignore[arg-type]
               timeout_s=max(300.0, 2 * seconds))
    return out
