"""Validating a probe against the accepted formats and the configured caps."""

from __future__ import annotations

import dataclasses

import pytest

from reelhouse.config import load_settings
from reelhouse.media.formats import CONTAINERS
from reelhouse.media.probe import AudioInfo, Caps, InvalidMediaError, validate

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


@pytest.mark.parametrize("codec", ["h264", "hevc", "vp9", "av1", "mpeg4", "prores",
                                   "dnxhd", "mjpeg", "mpeg2video"])
def test_allowed_codecs(make_probe, codec):
    """Every codec MP4/MOV accepted before, and the editors' and cameras' ones, pass."""
    validate(make_probe(codec=codec), CAPS)


PAIRS = [(row, v, a) for row in CONTAINERS for v in sorted(row.video)
         for a in sorted(row.audio) or [None]]


@pytest.mark.parametrize(("row", "video", "audio"), PAIRS,
                         ids=[f"{r.name}-{v}-{a}" for r, v, a in PAIRS])
def test_every_pair_of_the_table_passes(make_probe, row, video, audio):
    """Each container accepts each of its video codecs with each of its audio codecs."""
    p = make_probe(codec=video, format_name=row.format_name, audio=audio is not None)
    validate(dataclasses.replace(p, audio=AudioInfo(1, audio, 2, 48000)) if audio else p, CAPS)


def test_unknown_codec(make_probe):
    """A codec outside the container's allowlist is named in the reason."""
    e = rejected(make_probe(codec="cinepak"))
    assert (e.code, str(e)) == ("codec", "the video codec cinepak is not supported in MP4 files")
    # A decoder's name is not a codec's: AV1 decoded by libdav1d is still av1.
    assert rejected(make_probe(codec="libdav1d")).code == "codec"


def test_codecs_are_per_container(make_probe):
    """A codec one container carries is refused in another (WMV in MP4, GIF in MPEG-TS)."""
    assert rejected(make_probe(codec="wmv2")).code == "codec"
    assert rejected(make_probe(codec="gif", format_name="mpegts")).code == "codec"
    validate(make_probe(codec="wmv2", format_name="asf", audio=False), CAPS)


def test_unknown_audio_codec(make_probe):
    """An audio codec outside the container's allowlist is named in the reason."""
    p = dataclasses.replace(make_probe(), audio=AudioInfo(1, "wmav2", 2, 48000))
    e = rejected(p)
    assert (e.code, str(e)) == ("audio_codec",
                                "the audio codec wmav2 is not supported in MP4 files")


def test_no_video(make_probe):
    """An audio-only file is refused."""
    e = rejected(dataclasses.replace(make_probe(), video=None))
    assert (e.code, str(e)) == ("no_video", "the file has no video track")


@pytest.mark.parametrize("codec", ["h264", "png", "mjpeg", "gif"])
def test_still_images(make_probe, codec):
    """One frame is a still image, whatever codec carries it."""
    e = rejected(with_video(make_probe(codec=codec), frame_count=1))
    assert (e.code, str(e)) == ("still_image", "this is a still image, not a video")


def test_moving_mjpeg_is_a_video(make_probe):
    """MJPEG with many frames (webcams, older cameras) is a video, not a still image."""
    validate(make_probe(codec="mjpeg", format_name="avi"), CAPS)


def test_a_huge_one_frame_file_is_refused_for_its_size(make_probe):
    """An 8192x8192 single frame is over the size cap, and the reason says so and the limit."""
    e = rejected(with_video(make_probe(8192, 8192), frame_count=1))
    assert (e.code, str(e)) == ("too_large", "the picture is too large (8192x8192); the size "
                                             "limit is 2,073,600 pixels, about 1920x1080")


def test_container_not_allowed(make_probe):
    """A format outside the demuxer allowlist is refused even if it has video."""
    assert rejected(make_probe(format_name="hls")).code == "container"


def test_empty(make_probe):
    """Zero bytes is refused as empty."""
    assert str(rejected(make_probe(size_bytes=0))) == "the file is empty"


def test_caps(make_probe):
    """Duration, pixels, frame rate and file size over the caps give readable reasons."""
    assert str(rejected(make_probe(duration_s=3725))) == (
        "the video is too long (1:02:05); the length limit is 1:00")
    e = rejected(make_probe(3840, 2160))
    assert e.code == "too_large" and str(e).startswith("the picture is too large (3840x2160)")
    e = rejected(make_probe(fps=120))
    assert (e.code, str(e)) == ("frame_rate", "the frame rate is too high (120 fps); the frame "
                                              "rate limit is 60 fps")
    e = rejected(make_probe(size_bytes=2 * 10**8))
    assert (e.code, str(e)) == ("too_big", "the file is 0.2 GB; the size limit is 0.1 GB")


def test_portrait_pixels_count_the_same(make_probe):
    """The pixel cap is about area, so 1080x1920 passes a 1920x1080 cap."""
    validate(make_probe(1080, 1920), CAPS)


def test_too_small(make_probe):
    """A picture under 16 pixels on a side is refused, and the reason gives the minimum."""
    e = rejected(make_probe(8, 8))
    assert (e.code, str(e)) == ("too_small", "the picture is too small (8x8); the minimum is "
                                             "16 pixels a side")


def test_caps_from_settings():
    """Caps come from the configured limits."""
    settings = load_settings(max_duration_s=30, max_pixels=100, max_frame_rate=24,
                             max_upload_bytes=1000)
    assert Caps.from_settings(settings) == Caps(30, 100, 24, 1000)
