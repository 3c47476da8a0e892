"""How to make a tiny file of each codec in each container of the allowlist with lavfi."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelhouse.media.formats import Container


@dataclass(frozen=True)
class Recipe:
    """ffmpeg encoder arguments for one codec, and the picture it needs."""

    args: tuple[str, ...]
    size: str = "128x96"
    rate: str = "25"
    sample_rate: int = 48000
    channels: int = 2
    pix_fmt: str | None = None


def _r(*args: str, **kw: object) -> Recipe:
    return Recipe(tuple(args), **kw)  # type: ignore[arg-type]


VIDEO: dict[str, Recipe] = {
    "h264": _r("-c:v", "libx264", "-preset", "ultrafast", pix_fmt="yuv420p"),
    "hevc": _r("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
               pix_fmt="yuv420p"),
    "av1": _r("-c:v", "libaom-av1", "-cpu-used", "8", "-usage", "realtime", pix_fmt="yuv420p"),
    "vp8": _r("-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", pix_fmt="yuv420p"),
    "vp9": _r("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
              pix_fmt="yuv420p"),
    "mpeg4": _r("-c:v", "mpeg4", pix_fmt="yuv420p"),
    "mpeg2video": _r("-c:v", "mpeg2video", pix_fmt="yuv420p"),
    "mpeg1video": _r("-c:v", "mpeg1video", pix_fmt="yuv420p"),
    "prores": _r("-c:v", "prores_ks", "-profile:v", "standard", pix_fmt="yuv422p10le"),
    "dnxhd": _r("-c:v", "dnxhd", "-profile:v", "dnxhr_lb", size="256x144",
                pix_fmt="yuv422p"),
    "mjpeg": _r("-c:v", "mjpeg", "-q:v", "5", pix_fmt="yuvj420p"),
    "dvvideo": _r("-c:v", "dvvideo", size="720x576", pix_fmt="yuv420p"),
    "h263": _r("-c:v", "h263", pix_fmt="yuv420p"),
    "msmpeg4v2": _r("-c:v", "msmpeg4v2", pix_fmt="yuv420p"),
    "msmpeg4v3": _r("-c:v", "msmpeg4", pix_fmt="yuv420p"),
    "flv1": _r("-c:v", "flv", pix_fmt="yuv420p"),
    "wmv1": _r("-c:v", "wmv1", pix_fmt="yuv420p"),
    "wmv2": _r("-c:v", "wmv2", pix_fmt="yuv420p"),
    "gif": _r("-c:v", "gif", rate="10"),
}
AUDIO: dict[str, Recipe] = {
    "aac": _r("-c:a", "aac"),
    "aac_latm": _r("-c:a", "aac", "-mpegts_flags", "+latm"),
    "mp3": _r("-c:a", "libmp3lame", sample_rate=44100),
    "mp2": _r("-c:a", "mp2"),
    "opus": _r("-c:a", "libopus"),
    "vorbis": _r("-c:a", "libvorbis"),
    "ac3": _r("-c:a", "ac3"),
    "eac3": _r("-c:a", "eac3"),
    "flac": _r("-c:a", "flac"),
    "alac": _r("-c:a", "alac"),
    "dts": _r("-c:a", "dca", "-strict", "-2"),
    "amr_nb": _r("-c:a", "libopencore_amrnb", sample_rate=8000, channels=1),
    "nellymoser": _r("-c:a", "nellymoser", sample_rate=22050, channels=1),
    "wmav1": _r("-c:a", "wmav1"),
    "wmav2": _r("-c:a", "wmav2"),
    # Blu-ray LPCM exists only in M2TS, the 192-byte-packet TS of Blu-ray and AVCHD.
    "pcm_bluray": _r("-c:a", "pcm_bluray", "-mpegts_m2ts_mode", "1"),
    "pcm_dvd": _r("-c:a", "pcm_dvd"),
    "adpcm_ima_wav": _r("-c:a", "adpcm_ima_wav"),
    "adpcm_ms": _r("-c:a", "adpcm_ms"),
    **{pcm: _r("-c:a", pcm) for pcm in (
        "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_s32be",
        "pcm_f32le", "pcm_f32be", "pcm_u8", "pcm_alaw", "pcm_mulaw")},
}
# Accepted (ffmpeg decodes them) but the bundled ffmpeg has no encoder to make a test file.
NO_ENCODER = {"wmv3": "WMV9", "vc1": "VC-1", "wmapro": "WMA Pro", "amr_wb": "AMR-WB"}

# The muxer, file name and the codecs each row's own test file is made of.
MUXER: dict[str, tuple[str, str, str, str | None]] = {
    "mp4": ("mp4", "clip.mp4", "h264", "aac"),
    "mkv": ("matroska", "clip.mkv", "vp9", "opus"),
    "avi": ("avi", "clip.avi", "mjpeg", "pcm_s16le"),
    "mpegts": ("mpegts", "clip.ts", "mpeg2video", "mp2"),
    "mpeg": ("vob", "clip.vob", "mpeg2video", "ac3"),
    "mxf": ("mxf", "clip.mxf", "mpeg2video", "pcm_s16le"),
    "flv": ("flv", "clip.flv", "h264", "aac"),
    "asf": ("asf", "clip.wmv", "wmv2", "wmav2"),
    "dv": ("dv", "clip.dv", "dvvideo", "pcm_s16le"),
    "gif": ("gif", "clip.gif", "gif", None),
}


# The MP4 row's demuxer reads MP4, MOV and 3GP alike: QuickTime carries the editors' codecs
# and PCM, 3GP the phone ones, MP4 the rest.
_MUXER_FOR = {"h263": ("3gp", ".3gp"), "amr_nb": ("3gp", ".3gp"),
              **{c: ("mov", ".mov") for c in ("prores", "dnxhd", "dvvideo", "pcm_s16le",
                                             "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le",
                                             "pcm_s32be", "pcm_f32le", "pcm_f32be", "pcm_u8",
                                             "pcm_alaw", "pcm_mulaw")}}


def muxer(row: Container, video: str, audio: str | None) -> tuple[str, str]:
    """The ffmpeg muxer and file suffix for this pair in this row's container."""
    name, filename, main_video, main_audio = MUXER[row.name]
    if row.name == "mp4" and (video, audio) != (main_video, main_audio):
        return _MUXER_FOR.get(video) or _MUXER_FOR.get(audio or "") or ("mp4", ".mp4")
    return name, Path(filename).suffix


def argv(ffmpeg: str, row: Container, out: Path, video: str, audio: str | None,
         seconds: float = 1.0) -> list[str]:
    """An ffmpeg argv writing `seconds` of `video` (+ `audio`) into `row`'s container."""
    v = VIDEO[video]
    size, rate = v.size, v.rate
    args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio is not None:
        a = AUDIO[audio]
        args += ["-f", "lavfi", "-i",
                 f"sine=frequency=440:sample_rate={a.sample_rate}:duration={seconds}"]
    args += list(v.args) + (["-pix_fmt", v.pix_fmt] if v.pix_fmt else [])
    if audio is not None:
        a = AUDIO[audio]
        args += list(a.args) + ["-ac", str(a.channels), "-ar", str(a.sample_rate)]
    else:
        args += ["-an"]
    if row.name == "avi" and video == "hevc":
        args += ["-tag:v", "HEVC"]  # ffmpeg's AVI muxer has no default fourcc for HEVC
    return [*args, "-f", muxer(row, video, audio)[0], str(out)]
