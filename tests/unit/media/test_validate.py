"""Validating a probe against the accepted formats and the configured caps."""

from __future__ import annotations

import dataclasses

import pytest

from reelhouse.config import load_settings
from reelhouse.media.probe import Caps, InvalidMediaError, validate

CAPS = Caps(max_duration_s=60, max_pixels=1920 * 1080, max_frame_rate=60, max_bytes=10**8)


def with_video(probe, **changes):
    return dataclasses.replace(probe, video=dataclasses.replace(probe.video, **changes))


def rejected(probe, caps=CAPS) -> InvalidMediaError:
    with pytest.raises(InvalidMediaError) as e:
        validate(probe, caps)
    assert isinstance(e.value, ValueError)
    return e.value


def test_ordinary_video_passes(make_probe):
    """H.264 1080p30 in MP4 within every cap is accepted."""
    validate(make_probe(), CAPS)


@pytest.mark.parametrize("codec", ["h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "prores"])
def test_allowed_codecs(make_probe, codec):
    """Every allowlisted codec passes."""
    validate(make_probe(codec=codec), CAPS)


def test_unknown_codec(make_probe):
    """A codec outside the allowlist is named in the reason."""
    e = rejected(make_probe(codec="cinepak"))
    assert (e.code, str(e)) == ("codec", "the video codec cinepak is not supported")


def test_no_video(make_probe):
    """An audio-only file is refused."""
    e = rejected(dataclasses.replace(make_probe(), video=None))
    assert (e.code, str(e)) == ("no_video", "the file has no video track")


@pytest.mark.parametrize("changes", [{"frame_count": 1}, {"codec": "png"}, {"codec": "mjpeg"}])
def test_still_images(make_probe, changes):
    """One frame, or an image codec, is a still image."""
    e = rejected(with_video(make_probe(), **changes))
    assert (e.code, str(e)) == ("still_image", "this is a still image, not a video")


def test_container_not_allowed(make_probe):
    """A format outside the demuxer allowlist is refused even if it has video."""
    assert rejected(make_probe(format_name="hls")).code == "container"


def test_empty(make_probe):
    """Zero bytes is refused as empty."""
    assert str(rejected(make_probe(size_bytes=0))) == "the file is empty"


def test_caps(make_probe):
    """Duration, pixels, frame rate and file size over the caps give readable reasons."""
    assert str(rejected(make_probe(duration_s=3725))) == (
        "the video is too long (1:02:05); the limit is 1:00")
    e = rejected(make_probe(3840, 2160))
    assert e.code == "too_large" and str(e).startswith("the picture is too large (3840x2160)")
    assert rejected(make_probe(fps=120)).code == "frame_rate"
    assert rejected(make_probe(size_bytes=2 * 10**8)).code == "too_big"


def test_portrait_pixels_count_the_same(make_probe):
    """The pixel cap is about area, so 1080x1920 passes a 1920x1080 cap."""
    validate(make_probe(1080, 1920), CAPS)


def test_too_small(make_probe):
    """A picture under 16 pixels on a side is refused."""
    assert rejected(make_probe(8, 8)).code == "too_small"


def test_caps_from_settings():
    """Caps come from the configured limits."""
    settings = load_settings(max_duration_s=30, max_pixels=100, max_frame_rate=24,
                             max_upload_bytes=1000)
    assert Caps.from_settings(settings) == Caps(30, 100, 24, 1000)
