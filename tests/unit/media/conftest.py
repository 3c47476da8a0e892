"""Probe values built by hand, so ladder and argv tests need no media files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reelhouse.media.probe import AudioInfo, Probe, VideoInfo


def fake_probe(width: int = 1920, height: int = 1080, *, fps: float = 30.0,
               variable_fps: bool = False, rotation: int = 0, codec: str = "h264",
               pix_fmt: str = "yuv420p", bit_depth: int = 8, audio: bool = True,
               duration_s: float = 10.0, format_name: str = "mov,mp4,m4a,3gp,3g2,mj2",
               frame_count: int = 240, size_bytes: int = 1_000_000, hdr: str = "",
               interlaced: bool = False) -> Probe:
    """A probe of a file that does not exist; width/height are display size."""
    coded = (height, width) if rotation in (90, 270) else (width, height)
    video = VideoInfo(0, codec, width, height, coded[0], coded[1], pix_fmt, bit_depth, fps,
                      variable_fps, rotation, frame_count, hdr=hdr, interlaced=interlaced)
    return Probe("/nonexistent/source", format_name, "mp4", duration_s, size_bytes, video,
                 AudioInfo(1, "aac", 2, 48000) if audio else None)


@pytest.fixture
def make_probe() -> Callable[..., Probe]:
    """Factory for hand-built probes (see `fake_probe`)."""
    return fake_probe
