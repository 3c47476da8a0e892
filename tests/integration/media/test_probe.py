"""Probing real generated media: the facts we read and the uploads we refuse."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reelhouse.media import probe as probe_module
from reelhouse.media.probe import Caps, InvalidMediaError, probe, validate

pytestmark = pytest.mark.integration

CAPS = Caps(max_duration_s=600, max_pixels=1920 * 1080, max_frame_rate=60, max_bytes=10**9)


def refused(path: Path, caps: Caps = CAPS) -> InvalidMediaError:
    with pytest.raises(InvalidMediaError) as e:
        validate(probe(path), caps)
    return e.value


# --- what we read --------------------------------------------------------------------


def test_h264_aac_facts(h264_aac_clip):
    """An MP4 of H.264 + AAC reports container, demuxer, size, rate and both tracks."""
    p = probe(h264_aac_clip)
    validate(p, CAPS)
    assert (p.container, p.demuxer, p.size_bytes) == ("mp4", "mov", h264_aac_clip.stat().st_size)
    assert p.duration_s == pytest.approx(3.0, abs=0.05)
    v = p.video
    assert (v.codec, v.width, v.height, v.pix_fmt, v.bit_depth) == ("h264", 320, 180,
                                                                     "yuv420p", 8)
    assert (v.fps, v.variable_fps, v.rotation) == (30.0, False, 0)
    assert (p.audio.codec, p.audio.channels, p.audio.sample_rate) == ("aac", 1, 48000)


def test_rotation_swaps_display_size(rotated_clip):
    """A display matrix of 90 degrees makes a 320x180 stream a 180x320 picture."""
    v = probe(rotated_clip).video
    assert (v.rotation, v.width, v.height, v.coded_width, v.coded_height) == (90, 180, 320,
                                                                              320, 180)


def test_ten_bit_hevc(hevc10_clip):
    """10-bit HEVC reports its depth and pixel format."""
    v = probe(hevc10_clip).video
    assert (v.codec, v.pix_fmt, v.bit_depth) == ("hevc", "yuv420p10le", 10)


def test_vp9_webm(vp9_clip):
    """WebM is told apart from MKV and read with the matroska demuxer."""
    p = probe(vp9_clip)
    assert (p.container, p.demuxer, p.video.codec, p.audio.codec) == ("webm", "matroska",
                                                                      "vp9", "opus")


def test_odd_size(odd_clip):
    """Odd dimensions are reported as stored."""
    v = probe(odd_clip).video
    assert (v.width, v.height) == (1001, 563)


def test_variable_frame_rate_is_detected(vfr_clip, h264_aac_clip, mkv_clip):
    """Dropped frames make the rate variable; Matroska's 1 ms rounding does not."""
    assert probe(vfr_clip).video.variable_fps
    assert not probe(h264_aac_clip).video.variable_fps
    assert not probe(mkv_clip).video.variable_fps


# --- what we refuse ------------------------------------------------------------------


def test_zero_bytes(tmp_path):
    """An empty file is refused as empty."""
    (tmp_path / "empty.mp4").write_bytes(b"")
    e = refused(tmp_path / "empty.mp4")
    assert (e.code, str(e)) == ("empty", "the file is empty")


def test_text_renamed_mp4(tmp_path):
    """A text file with a video extension is refused as text."""
    (tmp_path / "notes.mp4").write_text("meeting notes\nnot a video\n")
    assert str(refused(tmp_path / "notes.mp4")) == "this is a text file, not a video"


def test_binary_garbage(tmp_path):
    """Random bytes are not a video we can read."""
    (tmp_path / "noise.mp4").write_bytes(bytes(range(256)) * 64)
    e = refused(tmp_path / "noise.mp4")
    assert e.code == "unreadable" and str(e).startswith("this file is not a video we can read")


def test_png_renamed_mp4(tmp_path, ff):
    """A PNG with an .mp4 name is a still image."""
    out = tmp_path / "photo.mp4"
    ff("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "-f", "image2",
        "-c:v", "png", str(out))
    assert str(refused(out)) == "this is a still image, not a video"


@pytest.mark.parametrize(("name", "codec"), [("one.avi", "mjpeg"), ("one.mp4", "libx264")])
def test_single_frame_video_is_a_still(tmp_path, ff, name, codec):
    """A one-frame stream in a video container (MJPEG in AVI, H.264 in MP4) is a still image."""
    out = tmp_path / name
    ff("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "-c:v", codec,
        "-pix_fmt", "yuvj420p" if codec == "mjpeg" else "yuv420p", str(out))
    e = refused(out)
    assert (e.code, str(e)) == ("still_image", "this is a still image, not a video")


def test_audio_only(tmp_path, ff):
    """An M4A with only sound is refused for having no video."""
    out = tmp_path / "song.m4a"
    ff("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(out))
    assert str(refused(out)) == "the file has no video track"


def cut_in_half(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return dst


def test_truncated_mp4_without_index(h264_aac_clip, tmp_path):
    """Half an MP4 whose index was to come last is truncated, and says so."""
    e = refused(cut_in_half(h264_aac_clip, tmp_path / "cut.mp4"))
    assert (e.code, str(e)) == ("truncated", "the file is truncated: its MP4 index is missing")


@pytest.mark.parametrize("fixture", ["faststart_clip", "mkv_clip"])
def test_truncated_with_header(request, tmp_path, fixture):
    """Half a file whose header survives (faststart MP4, Matroska) is caught by its tail."""
    src = request.getfixturevalue(fixture)
    e = refused(cut_in_half(src, tmp_path / f"cut{src.suffix}"))
    assert e.code == "truncated" and str(e).startswith("the file is truncated: it stops at")


def test_caps(h264_aac_clip):
    """Small caps refuse the 3 s 320x180 clip for duration, resolution and size."""
    assert refused(h264_aac_clip, Caps(2, 10**6, 60, 10**9)).code == "too_long"
    assert refused(h264_aac_clip, Caps(60, 320 * 100, 60, 10**9)).code == "too_large"
    assert refused(h264_aac_clip, Caps(60, 10**6, 24, 10**9)).code == "frame_rate"
    assert refused(h264_aac_clip, Caps(60, 10**6, 60, 1000)).code == "too_big"


def hostile_uploads(target: Path) -> dict[str, str]:
    """Text uploads that ask a demuxer to open `target` (HLS and ffconcat styles)."""
    return {
        "hls_url.mp4": f"#EXTM3U\n#EXTINF:1,\nfile://{target}\n",
        "hls_path.m3u8": f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{target.name}\n"
                         "#EXT-X-ENDLIST\n",
        "concat.mp4": f"ffconcat version 1.0\nfile '{target}'\n",
        "passwd.mp4": "#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n",
    }


def test_tripwire_catches_a_demuxer_that_follows_references(tmp_path, tripwire, never_opened,
                                                            ffmpeg):
    """Control: plain ffmpeg with an unsafe concat list does open the tripwire."""
    listing = tmp_path / "list.txt"
    listing.write_text(hostile_uploads(tripwire)["concat.mp4"])
    argv = [ffmpeg, "-v", "quiet", "-safe", "0", "-i", str(listing), "-f", "null", "-"]
    with pytest.raises(AssertionError, match="opened"):
        never_opened(lambda: subprocess.run(argv, stdin=subprocess.DEVNULL, timeout=30))


@pytest.mark.parametrize("name", list(hostile_uploads(Path("/x"))))
def test_playlists_are_refused_without_opening_anything(tmp_path, tripwire, never_opened,
                                                        name):
    """HLS/ffconcat text naming another file is refused as a playlist and never followed."""
    upload = tmp_path / name
    upload.write_text(hostile_uploads(tripwire)[name])
    error = never_opened(lambda: probe(upload))
    assert isinstance(error, InvalidMediaError)
    assert str(error) == "this is a playlist that points at other files, not a video"


@pytest.mark.parametrize("name", ["hls_path.m3u8", "concat.mp4"])
def test_demuxer_allowlist_alone_blocks_playlists(tmp_path, tripwire, never_opened,
                                                  monkeypatch, name):
    """Even with the first-bytes check switched off, PyAV never runs a playlist demuxer."""
    monkeypatch.setattr(probe_module, "_sniff", lambda head: None)
    upload = tmp_path / name
    upload.write_text(hostile_uploads(tripwire)[name])
    error = never_opened(lambda: probe(upload))
    assert isinstance(error, InvalidMediaError) and error.code == "unreadable"


SDP = ("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=stream\nc=IN IP4 127.0.0.1\nt=0 0\n"
       "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n")
HTML = "<!DOCTYPE html><html><body><video src='file:///etc/passwd'></video></body></html>\n"


@pytest.mark.parametrize(("name", "text"), [("stream.sdp.mp4", SDP), ("page.ts", HTML)])
def test_sdp_and_html_posing_as_video_are_refused(tmp_path, monkeypatch, name, text):
    """An SDP description (which would open network sockets) or an HTML page named as a video
    is refused as text, and with that check off no accepted demuxer reads it either."""
    upload = tmp_path / name
    upload.write_text(text)
    assert refused(upload).code == "text"
    monkeypatch.setattr(probe_module, "_sniff", lambda head: None)
    assert refused(upload).code == "unreadable"


def test_a_huge_one_frame_file_is_refused_for_its_size(tmp_path, ff):
    """An 8192x8192 single frame is over the size cap, and the reason names cap and limit
    rather than calling it a still image."""
    out = tmp_path / "huge.avi"
    ff("-f", "lavfi", "-i", "color=c=gray:size=8192x8192", "-frames:v", "1", "-c:v", "mjpeg",
       "-pix_fmt", "yuvj420p", str(out))
    e = refused(out, Caps(600, 4096 * 2304, 120, 10**9))
    assert (e.code, str(e)) == ("too_large", "the picture is too large (8192x8192); the size "
                                             "limit is 9,437,184 pixels, about 4096x2304")


def test_a_one_frame_gif_is_a_still_and_an_animated_one_a_video(tmp_path, ff):
    """GIF is read by the gif demuxer: one frame is a still image, many frames a video."""
    still, moving = tmp_path / "still.gif", tmp_path / "moving.gif"
    ff("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", str(still))
    ff("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10:duration=1", str(moving))
    assert refused(still).code == "still_image"
    p = probe(moving)
    validate(p, CAPS)
    assert (p.container, p.demuxer, p.video.codec, p.video.frame_count) == ("gif", "gif",
                                                                             "gif", 10)


def test_av1_is_named_by_its_codec_not_its_decoder(tmp_path, ff):
    """AV1 in MP4 decodes with libdav1d but is the av1 codec, which MP4 accepts."""
    out = tmp_path / "av1.mp4"
    ff("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=25:duration=1", "-c:v", "libaom-av1",
       "-cpu-used", "8", "-usage", "realtime", str(out))
    p = probe(out)
    validate(p, CAPS)
    assert p.video.codec == "av1"


def test_an_unsupported_audio_codec_is_named(tmp_path, ff):
    """WMA in an MKV is refused for its audio codec, with the codec and container named."""
    out = tmp_path / "wma.mkv"
    ff("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=25:duration=1", "-f", "lavfi", "-i",
       "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "wmav2", str(out))
    e = refused(out)
    assert (e.code, str(e)) == ("audio_codec",
                                "the audio codec wmav2 is not supported in MKV files")
