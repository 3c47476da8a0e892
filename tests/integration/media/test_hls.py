"""Real transcodes of tiny clips into the HLS layout, checked from the files ffmpeg wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from reelhouse.media.ffmpeg import FfmpegError
from reelhouse.media.hls import HlsResult, transcode_hls
from reelhouse.media.ladder import plan_ladder
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.media.probe import Caps, Probe, probe, validate

pytestmark = pytest.mark.integration

SEG = 1  # one-second segments give 2-3 segments per tiny clip
CAPS = Caps(max_duration_s=600, max_pixels=1920 * 1080, max_frame_rate=60, max_bytes=10**9)


def transcode(src: Path, out: Path, **kw) -> tuple[HlsResult, Probe]:
    p = probe(src)
    validate(p, CAPS)
    return transcode_hls(src, p, plan_ladder(p), out, segment_s=SEG, **kw), p


def first_frame(rung_dir: Path, tmp: Path) -> av.VideoFrame:
    """The first frame of a rung, read from init.mp4 + its first segment joined into one file."""
    joined = tmp / f"{rung_dir.name}.mp4"
    joined.write_bytes((rung_dir / "init.mp4").read_bytes()
                       + (rung_dir / "seg_00001.m4s").read_bytes())
    with av.open(str(joined)) as c:
        return next(c.decode(video=0))


def assert_playable(result: HlsResult, p, ffmpeg: str) -> None:
    """Everything a player needs is there and consistent with the source."""
    out = result.out_dir
    master = parse_master_playlist((out / "master.m3u8").read_text())
    assert [v.uri for v in master.variants] == [f"{r.name}/index.m3u8" for r in
                                                result.renditions]
    media = [v.uri for v in master.variants] + [r.uri for r in master.renditions]
    boundaries = []
    for uri in media:
        playlist_path = out / uri
        playlist = parse_media_playlist(playlist_path.read_text())
        assert playlist.ended and playlist.init_uri == "init.mp4"
        for name in ["init.mp4"] + [s.uri for s in playlist.segments]:
            assert (playlist_path.parent / name).is_file(), f"{uri}: {name} missing"
        assert abs(playlist.duration_s - p.duration_s) <= SEG, uri
        if not uri.startswith("audio/"):
            boundaries.append([s.duration_s for s in playlist.segments])
    # Keyframes forced at the same times give every rung the same segment boundaries.
    assert all(b == boundaries[0] for b in boundaries)
    for v, r in zip(master.variants, result.renditions, strict=True):
        assert r.height <= max(p.video.width, p.video.height)
        assert min(r.width, r.height) <= min(p.video.width, p.video.height)
        assert r.width % 2 == 0 and r.height % 2 == 0
        assert v.resolution == (r.width, r.height)
        assert int(v.attributes["AVERAGE-BANDWIDTH"]) <= v.bandwidth
        assert v.codecs and v.codecs.startswith("avc1.")
        assert r.segment_count == len(boundaries[0]) and r.total_bytes > 0 and r.bitrate > 0
    if p.audio is not None:
        (group,) = master.renditions
        assert (group.type, group.uri) == ("AUDIO", "audio/index.m3u8")
        assert all(v.audio == group.group_id for v in master.variants)
        assert all(v.codecs.endswith(",mp4a.40.2") for v in master.variants)
    else:
        assert master.renditions == [] and not (out / "audio").exists()
    read_back = subprocess.run(
        [ffmpeg, "-v", "error", "-allowed_extensions", "ALL", "-protocol_whitelist", "file",
         "-i", str(out / "master.m3u8"), "-map", "0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert read_back.returncode == 0, read_back.stderr[-2000:]


def test_h264_aac(h264_aac_clip, tmp_path, ffmpeg):
    """H.264 + AAC gives one 180p rung, an audio group and progress up to 100%."""
    calls = []
    result, p = transcode(h264_aac_clip, tmp_path / "hls",
                          on_progress=lambda pct, speed: calls.append(pct))
    assert_playable(result, p, ffmpeg)
    assert [r.name for r in result.renditions] == ["180p"]
    assert result.audio is not None and result.audio.codecs == "mp4a.40.2"
    assert calls and calls[-1] == 100.0 and calls == sorted(calls)
    assert sorted(f.name for f in (tmp_path / "hls" / "180p").iterdir()) == [
        "index.m3u8", "init.mp4", "seg_00001.m4s", "seg_00002.m4s", "seg_00003.m4s"]


def test_no_audio(silent_clip, tmp_path, ffmpeg):
    """A silent source gets video rungs only and no audio group."""
    result, p = transcode(silent_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)
    assert result.audio is None


def test_portrait(portrait_clip, tmp_path, ffmpeg):
    """A portrait source stays portrait."""
    result, p = transcode(portrait_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)
    assert [(r.width, r.height) for r in result.renditions] == [(180, 320)]


def test_odd_size_scales_down(odd_clip, tmp_path, ffmpeg):
    """1001x563 4:4:4 becomes 854x480, 640x360 and 426x240 in 8-bit 4:2:0."""
    result, p = transcode(odd_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)
    assert [(r.name, r.width, r.height) for r in result.renditions] == [
        ("480p", 854, 480), ("360p", 640, 360), ("240p", 426, 240)]
    frame = first_frame(tmp_path / "hls" / "480p", tmp_path)
    assert (frame.width, frame.height, frame.format.name) == (854, 480, "yuv420p")


def test_rotation_is_applied(rotated_clip, tmp_path, ffmpeg):
    """A 320x180 stream marked "rotate 90" comes out as upright 180x320 pictures."""
    result, p = transcode(rotated_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)
    frame = first_frame(tmp_path / "hls" / result.renditions[0].name, tmp_path)
    assert (frame.width, frame.height) == (180, 320)
    assert not frame.rotation  # pixels already upright: players must not turn them again


def test_variable_frame_rate_becomes_constant(vfr_clip, tmp_path, ffmpeg):
    """A VFR source is encoded at one constant rate (evenly spaced frames)."""
    result, p = transcode(vfr_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)
    joined = tmp_path / "joined.mp4"
    rung = tmp_path / "hls" / result.renditions[0].name
    joined.write_bytes(b"".join((rung / n).read_bytes()
                                for n in ("init.mp4", "seg_00001.m4s", "seg_00002.m4s")))
    with av.open(str(joined)) as c:
        pts = sorted(f.pts for f in c.decode(video=0))
    steps = {b - a for a, b in zip(pts, pts[1:], strict=False)}
    assert len(steps) == 1


def test_ten_bit_hevc(hevc10_clip, tmp_path, ffmpeg):
    """10-bit HEVC comes out as 8-bit H.264."""
    result, p = transcode(hevc10_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)
    frame = first_frame(tmp_path / "hls" / result.renditions[0].name, tmp_path)
    assert frame.format.name == "yuv420p"


@pytest.mark.parametrize(("clip", "kind"), [("hlg_clip", "hlg"), ("pq_clip", "pq")])
def test_hdr_is_tone_mapped_to_sdr(clip, kind, request, tmp_path, ffmpeg):
    """HLG and PQ sources are seen as HDR and come out as 8-bit BT.709, not washed-out HDR
    values relabelled as SDR."""
    result, p = transcode(request.getfixturevalue(clip), tmp_path / "hls")
    assert p.video.hdr == kind
    assert_playable(result, p, ffmpeg)
    frame = first_frame(tmp_path / "hls" / result.renditions[0].name, tmp_path)
    assert frame.format.name == "yuv420p"
    assert frame.color_trc == 1 and frame.color_primaries == 1  # BT.709 both


def test_interlaced_is_deinterlaced(interlaced_clip, tmp_path, ffmpeg):
    """Fields become progressive frames at the source's frame rate."""
    result, p = transcode(interlaced_clip, tmp_path / "hls")
    assert p.video.interlaced and not p.video.hdr
    assert_playable(result, p, ffmpeg)
    frame = first_frame(tmp_path / "hls" / result.renditions[0].name, tmp_path)
    assert not frame.interlaced_frame
    assert abs(result.duration_s - 2.0) < 0.1


def test_vp9_webm(vp9_clip, tmp_path, ffmpeg):
    """VP9 + Opus in WebM becomes H.264 + AAC."""
    result, p = transcode(vp9_clip, tmp_path / "hls")
    assert_playable(result, p, ffmpeg)


def test_duration_cap_cuts_the_output(h264_aac_clip, tmp_path):
    """`max_duration_s` stops the transcode there, and the checks use the capped length."""
    p = probe(h264_aac_clip)
    result = transcode_hls(h264_aac_clip, p, plan_ladder(p), tmp_path / "hls", segment_s=SEG,
                           max_duration_s=1.5)
    assert result.duration_s == pytest.approx(1.5, abs=0.1)


def test_output_dir_must_be_empty(h264_aac_clip, tmp_path):
    """A non-empty output directory is refused rather than mixed with old files."""
    (tmp_path / "stale.m4s").write_bytes(b"old")
    p = probe(h264_aac_clip)
    with pytest.raises(FileExistsError):
        transcode_hls(h264_aac_clip, p, plan_ladder(p), tmp_path)


def test_forced_demuxer_never_follows_a_playlist(h264_aac_clip, tmp_path, tripwire,
                                                 never_opened):
    """Even handed a playlist with an MP4 probe, ffmpeg fails instead of opening its entries."""
    p = probe(h264_aac_clip)
    upload = tmp_path / "upload"
    upload.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://{tripwire}\n")
    error = never_opened(lambda: transcode_hls(upload, p, plan_ladder(p), tmp_path / "hls"))
    assert isinstance(error, FfmpegError) and "Invalid data" in error.stderr
