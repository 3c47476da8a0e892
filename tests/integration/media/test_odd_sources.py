"""Uploads that are ordinary for someone but odd for a pipeline: each makes a ladder that plays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelhouse.media.ffmpeg import run_ffmpeg
from reelhouse.media.hls import HlsResult, transcode_hls
from reelhouse.media.ladder import plan_ladder
from reelhouse.media.probe import Caps, Probe, probe, validate
from reelhouse.media.thumbnails import choose_poster, make_storyboard

pytestmark = pytest.mark.integration

CAPS = Caps(max_duration_s=600, max_pixels=1920 * 1080, max_frame_rate=120, max_bytes=10**9)
PICTURE = "testsrc2=size=160x90:rate=25:duration={s}"
TONE = "sine=frequency=440:sample_rate=48000:duration={s}"
X264 = ("-c:v", "libx264", "-preset", "ultrafast")
# Left half opaque red, right half fully transparent white.
HALF_CLEAR = ("color=c=white:s=160x90:d=1:r=25,format=rgba,geq=r='255':"
              "g='if(lt(X,80),0,255)':b='if(lt(X,80),0,255)':a='if(lt(X,80),255,0)'")
FF = Callable[..., None]


def ladder(src: Path, out: Path, ffmpeg: str) -> tuple[Probe, HlsResult]:
    """Probe, validate and transcode `src`; ffmpeg then decodes every stream of the master."""
    p = probe(src)
    validate(p, CAPS)
    result = transcode_hls(src, p, plan_ladder(p), out, segment_s=1)
    run_ffmpeg([ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file",
                "-i", str(result.master), "-map", "0", "-f", "null", "-"], 60)
    return p, result


def top_frame(result: HlsResult, tmp: Path) -> av.VideoFrame:
    """The first frame of the top rung (init section plus first segment)."""
    rung = result.out_dir / result.renditions[0].name
    joined = tmp / "top.mp4"
    joined.write_bytes((rung / "init.mp4").read_bytes() + (rung / "seg_00001.m4s").read_bytes())
    with av.open(str(joined)) as c:
        return next(c.decode(video=0))


def lasts(result: HlsResult) -> list[float]:
    return [r.duration_s for r in (*result.renditions, *([result.audio] if result.audio else []))]


def test_cover_art_is_not_the_video(ff: FF, ffmpeg: str, tmp_path: Path) -> None:
    """An MP4 with an attached cover picture is transcoded from its real video track."""
    cover, src = tmp_path / "cover.png", tmp_path / "song.mp4"
    ff("-f", "lavfi", "-i", "testsrc=size=400x400", "-frames:v", "1", str(cover))
    ff("-f", "lavfi", "-i", PICTURE.format(s=2), "-i", str(cover), "-map", "0:v", "-map",
       "1:v", "-c:v:0", "libx264", "-c:v:1", "png", "-disposition:v:1", "attached_pic",
       str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert (p.video.codec, p.video.width, p.video.height) == ("h264", 160, 90)
    assert (result.renditions[0].width, result.renditions[0].height) == (160, 90)


def test_a_second_video_stream_first_in_the_file_is_passed_over(ff: FF, ffmpeg: str,
                                                                tmp_path: Path) -> None:
    """A smaller stream before the main one (a depth map, a preview) is not what we show: the
    ladder, the poster and the storyboard all take the main one."""
    src = tmp_path / "depth.mkv"
    ff("-f", "lavfi", "-i", "testsrc=size=64x64:rate=25:duration=2", "-f", "lavfi", "-i",
       PICTURE.format(s=2), "-map", "0:v", "-map", "1:v", *X264, str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert (p.video.index, p.video.width, p.video.height) == (1, 160, 90)
    assert (result.renditions[0].width, result.renditions[0].height) == (160, 90)
    poster = choose_poster(src, p.duration_s, tmp_path / "poster.jpg", video=p.video,
                           demuxer=p.demuxer)
    board = make_storyboard(src, p.duration_s, tmp_path / "board", 1.0, video=p.video,
                            demuxer=p.demuxer)
    assert (poster.width, poster.height) == (160, 90)
    assert board.tile_width == 160


@pytest.mark.parametrize(("name", "encode"), [
    ("prores4444.mov", ("-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le")),
    ("vp9alpha.webm", ("-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", "-deadline", "realtime",
                       "-cpu-used", "8")),
])
def test_alpha_is_flattened_onto_black(ff: FF, ffmpeg: str, tmp_path: Path, name: str,
                                       encode: tuple[str, ...]) -> None:
    """Transparent pixels play black (not the white stored under them) in the ladder and the
    poster; opaque ones keep their colour."""
    src = tmp_path / name
    ff("-f", "lavfi", "-i", HALF_CLEAR, *encode, str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert p.video.alpha
    luma = top_frame(result, tmp_path).to_ndarray(format="gray")
    assert luma[45, 140] < 20 and 60 < luma[45, 20] < 100  # black, and red's luma
    poster = choose_poster(src, p.duration_s, tmp_path / "poster.jpg", video=p.video,
                           demuxer=p.demuxer)
    with Image.open(poster.path) as im:
        gray = np.asarray(im.convert("L"))
    assert gray[45, 140] < 20 and gray[45, 20] > 60


@pytest.mark.parametrize(("name", "encode", "depth"), [
    ("prores422hq.mov", ("-c:v", "prores_ks", "-profile:v", "hq", "-pix_fmt", "yuv422p10le"),
     10),
    ("hevc422_12.mkv", ("-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv422p12le",
                        "-x265-params", "log-level=error"), 12),
    ("av1_444_12.mkv", ("-c:v", "libaom-av1", "-cpu-used", "8", "-usage", "realtime",
                        "-pix_fmt", "yuv444p12le"), 12),
])
def test_422_and_12_bit_sources_become_8_bit_420(ff: FF, ffmpeg: str, tmp_path: Path,
                                                 name: str, encode: tuple[str, ...],
                                                 depth: int) -> None:
    """Editors' 4:2:2 and 12-bit masters play as 8-bit 4:2:0 H.264, what every player takes."""
    src = tmp_path / name
    ff("-f", "lavfi", "-i", PICTURE.format(s=1), *encode, str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert p.video.bit_depth == depth
    assert top_frame(result, tmp_path).format.name == "yuv420p"


@pytest.mark.parametrize(("name", "codec"), [("bff.mp4", X264 + ("-x264-params", "bff=1")),
                                             ("bff.ts", ("-c:v", "mpeg2video"))])
def test_bottom_field_first_is_deinterlaced(ff: FF, ffmpeg: str, tmp_path: Path, name: str,
                                            codec: tuple[str, ...]) -> None:
    """Bottom-field-first interlaced H.264 and MPEG-2 (DV, many camcorders) are detected and
    come out as progressive frames at the field-pair rate."""
    src = tmp_path / name
    ff("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=1", "-vf", "setfield=bff",
       "-flags", "+ilme+ildct", *codec, str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert p.video.interlaced and p.video.fps == 25
    frame = top_frame(result, tmp_path)
    assert not frame.interlaced_frame


def test_broadcast_ts_starting_at_26_hours(ff: FF, ffmpeg: str, tmp_path: Path) -> None:
    """A capture whose clock reads 26 h at its first packet is 1 s long, not 26 h, in the
    probe, the ladder, the poster and the storyboard."""
    src = tmp_path / "capture.ts"
    ff("-f", "lavfi", "-i", PICTURE.format(s=1), "-f", "lavfi", "-i", TONE.format(s=1),
       *X264, "-c:a", "mp2", "-output_ts_offset", str(26 * 3600), str(src))
    with av.open(str(src)) as c:
        assert c.start_time / 1e6 == pytest.approx(26 * 3600, abs=2)
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert p.duration_s == pytest.approx(1.0, abs=0.1)
    assert lasts(result) == pytest.approx([1.0] * len(lasts(result)), abs=0.1)
    poster = choose_poster(src, p.duration_s, tmp_path / "poster.jpg", video=p.video,
                           demuxer=p.demuxer)
    board = make_storyboard(src, p.duration_s, tmp_path / "board", 0.5, video=p.video,
                            demuxer=p.demuxer)
    assert 0 <= poster.time_s <= 1 and not poster.blank and len(board.cues) == 2


def test_negative_start_from_an_edit_list(ff: FF, ffmpeg: str, tmp_path: Path) -> None:
    """A clip cut without re-encoding starts its packets before zero (an edit list hides
    them): it lasts what the edit list says, in the probe and the ladder."""
    whole, cut = tmp_path / "whole.mp4", tmp_path / "cut.mp4"
    ff("-f", "lavfi", "-i", PICTURE.format(s=2), "-f", "lavfi", "-i", TONE.format(s=2), *X264,
       "-g", "50", "-c:a", "aac", str(whole))
    ff("-ss", "0.5", "-i", str(whole), "-c", "copy", str(cut))
    with av.open(str(cut)) as c:
        assert next(c.demux(video=0)).pts < 0
    p, result = ladder(cut, tmp_path / "hls", ffmpeg)
    assert p.duration_s == pytest.approx(1.5, abs=0.05)
    assert lasts(result) == pytest.approx([1.5] * len(lasts(result)), abs=0.1)


@pytest.mark.parametrize(("picture_s", "sound_s"), [(1.0, 2.5), (2.5, 1.0)])
def test_sound_longer_or_shorter_than_the_picture(ff: FF, ffmpeg: str, tmp_path: Path,
                                                  picture_s: float, sound_s: float) -> None:
    """Every rendition lasts as long as the longer track: the last frame holds under a longer
    soundtrack, silence follows a shorter one."""
    src = tmp_path / "uneven.mp4"
    ff("-f", "lavfi", "-i", PICTURE.format(s=picture_s), "-f", "lavfi", "-i",
       TONE.format(s=sound_s), *X264, "-c:a", "aac", str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert p.duration_s == pytest.approx(2.5, abs=0.05)
    assert lasts(result) == pytest.approx([2.5, 2.5], abs=0.1)


def test_120_fps(ff: FF, ffmpeg: str, tmp_path: Path) -> None:
    """A 120 fps phone clip is accepted and played at 60 fps (every other frame)."""
    src = tmp_path / "slowmo.mp4"
    ff("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=120:duration=1", *X264, str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert p.video.fps == 120
    assert plan_ladder(p).frame_rate == 60
    with av.open(str(result.out_dir / result.renditions[0].name / "index.m3u8")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 60


def test_8_khz_mono_audio(ff: FF, ffmpeg: str, tmp_path: Path) -> None:
    """Telephone-quality sound (8 kHz, one channel) becomes the ladder's 48 kHz stereo AAC."""
    src = tmp_path / "phone.3gp"
    ff("-f", "lavfi", "-i", PICTURE.format(s=1), "-f", "lavfi", "-i",
       "sine=sample_rate=8000:duration=1", *X264, "-c:a", "libopencore_amrnb", "-ar", "8000",
       "-ac", "1", str(src))
    p, result = ladder(src, tmp_path / "hls", ffmpeg)
    assert (p.container, p.audio.codec, p.audio.sample_rate, p.audio.channels) == (
        "3gp", "amr_nb", 8000, 1)
    assert result.audio is not None
    with av.open(str(result.out_dir / "audio" / "index.m3u8")) as c:
        a = c.streams.audio[0].codec_context
        assert (a.sample_rate, a.channels) == (48000, 2)


def test_avchd_m2ts_is_told_from_plain_ts(ff: FF, ffmpeg: str, tmp_path: Path) -> None:
    """An AVCHD/Blu-ray M2TS (192-byte packets, H.264 and AC-3) is read by the mpegts demuxer
    and named m2ts."""
    src = tmp_path / "00001.mts"
    ff("-f", "lavfi", "-i", PICTURE.format(s=1), "-f", "lavfi", "-i", TONE.format(s=1), *X264,
       "-c:a", "ac3", "-f", "mpegts", "-mpegts_m2ts_mode", "1", str(src))
    p, _ = ladder(src, tmp_path / "hls", ffmpeg)
    assert (p.container, p.demuxer, p.video.codec, p.audio.codec) == ("m2ts", "mpegts",
                                                                       "h264", "ac3")
