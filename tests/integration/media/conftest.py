"""Tiny generated clips (ffmpeg lavfi, session-scoped) and a tripwire for unwanted file opens."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.samples import make_test_clip


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return ffmpeg_path()


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


def _ff(ffmpeg: str, *args: str) -> None:
    run_ffmpeg([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], 120)


@pytest.fixture(scope="session")
def ff(ffmpeg: str) -> Callable[..., None]:
    """`ff(*args)` runs ffmpeg quietly with these arguments, raising FfmpegError on failure."""
    return lambda *args: _ff(ffmpeg, *args)


@pytest.fixture(scope="session")
def h264_aac_clip(clip_dir: Path) -> Path:
    """3 s of 320x180 H.264 + AAC in MP4 (index at the end, as ffmpeg writes by default)."""
    return make_test_clip(clip_dir / "h264_aac.mp4", seconds=3, width=320, height=180)


@pytest.fixture(scope="session")
def silent_clip(clip_dir: Path) -> Path:
    """2 s of 320x180 H.264 without an audio track."""
    return make_test_clip(clip_dir / "silent.mp4", seconds=2, width=320, height=180,
                          audio=False)


@pytest.fixture(scope="session")
def portrait_clip(clip_dir: Path) -> Path:
    """2 s of 180x320 (a phone held upright, stored upright)."""
    return make_test_clip(clip_dir / "portrait.mp4", seconds=2, width=180, height=320)


@pytest.fixture(scope="session")
def odd_clip(clip_dir: Path, ffmpeg: str) -> Path:
    """2 s of 1001x563: odd sides need 4:4:4 (testsrc, not testsrc2, keeps them odd)."""
    out = clip_dir / "odd.mp4"
    _ff(ffmpeg, "-f", "lavfi", "-i", "testsrc=size=1001x563:rate=30:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", str(out))
    return out


@pytest.fixture(scope="session")
def rotated_clip(clip_dir: Path, ffmpeg: str, h264_aac_clip: Path) -> Path:
    """The 320x180 clip remuxed with a display matrix saying "turn 90 degrees"."""
    out = clip_dir / "rotated.mp4"
    _ff(ffmpeg, "-display_rotation", "90", "-i", str(h264_aac_clip), "-c", "copy", str(out))
    return out


@pytest.fixture(scope="session")
def vfr_clip(clip_dir: Path, ffmpeg: str) -> Path:
    """3 s with every fourth frame dropped and timestamps kept: variable frame rate."""
    out = clip_dir / "vfr.mp4"
    _ff(ffmpeg, "-f", "lavfi", "-i",
        "testsrc2=size=320x180:rate=30:duration=3,select='not(eq(mod(n\\,4)\\,1))'",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
        "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
        "-shortest", str(out))
    return out


@pytest.fixture(scope="session")
def hevc10_clip(clip_dir: Path) -> Path:
    """2 s of 10-bit HEVC (libx265, yuv420p10le) with AAC."""
    return make_test_clip(clip_dir / "hevc10.mp4", seconds=2, width=320, height=180,
                          vcodec="libx265", pix_fmt="yuv420p10le",
                          extra=["-preset", "ultrafast", "-x265-params", "log-level=error",
                                 "-tag:v", "hvc1"])


def _hdr_clip(path: Path, transfer: str) -> Path:
    """2 s of 10-bit BT.2020 HEVC flagged with an HDR transfer (as phones record HLG)."""
    color = ["-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc"]
    return make_test_clip(path, seconds=2, width=320, height=180, vcodec="libx265",
                          pix_fmt="yuv420p10le",
                          extra=["-preset", "ultrafast", "-tag:v", "hvc1", *color,
                                 "-x265-params", f"log-level=error:colorprim=bt2020:"
                                 f"transfer={transfer}:colormatrix=bt2020nc"])


@pytest.fixture(scope="session")
def hlg_clip(clip_dir: Path) -> Path:
    return _hdr_clip(clip_dir / "hlg.mp4", "arib-std-b67")


@pytest.fixture(scope="session")
def pq_clip(clip_dir: Path) -> Path:
    return _hdr_clip(clip_dir / "pq.mp4", "smpte2084")


@pytest.fixture(scope="session")
def interlaced_clip(clip_dir: Path) -> Path:
    """2 s of 576i25 H.264 coded as top-field-first interlaced (a camcorder's DV tape)."""
    return make_test_clip(clip_dir / "interlaced.mp4", seconds=2, width=720, height=576,
                          fps=25, extra=["-vf", "setfield=tff", "-flags", "+ilme+ildct",
                                         "-x264-params", "tff=1"])


@pytest.fixture(scope="session")
def vp9_clip(clip_dir: Path) -> Path:
    """2 s of VP9 + Opus in WebM."""
    return make_test_clip(clip_dir / "vp9.webm", seconds=2, width=320, height=180,
                          vcodec="libvpx-vp9", extra=["-deadline", "realtime", "-cpu-used", "8"])


@pytest.fixture(scope="session")
def faststart_clip(clip_dir: Path) -> Path:
    """3 s MP4 with its index first, so cutting it in half leaves a readable header."""
    return make_test_clip(clip_dir / "faststart.mp4", seconds=3, width=320, height=180,
                          extra=["-movflags", "+faststart"])


@pytest.fixture(scope="session")
def mkv_clip(clip_dir: Path, ffmpeg: str, h264_aac_clip: Path) -> Path:
    """The H.264 clip remuxed into Matroska (millisecond timestamps)."""
    out = clip_dir / "clip.mkv"
    _ff(ffmpeg, "-i", str(h264_aac_clip), "-c", "copy", str(out))
    return out


@pytest.fixture
def tripwire(tmp_path: Path) -> Path:
    """A FIFO to name inside hostile uploads: opening it for reading blocks until a writer."""
    fifo = tmp_path / "tripwire"
    os.mkfifo(fifo)
    return fifo


@pytest.fixture
def never_opened(tripwire: Path) -> Callable[[Callable[[], object]], BaseException | None]:
    """`check(action)` runs `action` and fails the test if anything opened the tripwire.

    A reader of the FIFO blocks in open() until a writer appears, so the poller below
    (opening the write end without blocking) sees every open; it then lets the reader
    through so that a buggy action cannot hang the test. Returns what `action` raised.
    """

    def check(action: Callable[[], object]) -> BaseException | None:
        outcome: dict[str, BaseException | None] = {"error": None}

        def run() -> None:
            try:
                action()
            except BaseException as e:  # handed back to the test
                outcome["error"] = e

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        opened = False
        deadline = time.monotonic() + 60
        while worker.is_alive() and time.monotonic() < deadline:
            try:
                fd = os.open(tripwire, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader has it open
                time.sleep(0.005)
                continue
            opened = True
            os.close(fd)
        worker.join(timeout=5)
        assert not opened, "the action opened the file named inside the upload"
        return outcome["error"]

    return check
