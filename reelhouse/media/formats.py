"""The upload allowlist: each container we read, the ffmpeg demuxer pinned for it, its codecs.

Only these demuxers may ever look at an upload, in probing (PyAV `format_whitelist`) and in
every ffmpeg that reads it afterwards (`-f`): the playlist-style demuxers (hls, concat,
image2, sdp, tty...) open other files or URLs named inside the upload, and none is here.
Codecs are ffmpeg's codec names (`avcodec_get_name`), never a decoder's (libdav1d is av1).
"""

from __future__ import annotations

from dataclasses import dataclass

_PCM_LE = frozenset({"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8"})
_PCM = _PCM_LE | {"pcm_s16be", "pcm_s24be", "pcm_s32be", "pcm_f32be"}
# What cameras, phones and editors put in the general-purpose containers.
_EDITOR_VIDEO = frozenset({"h264", "hevc", "av1", "vp9", "mpeg4", "mpeg2video", "prores",
                           "dnxhd", "mjpeg", "dvvideo"})


@dataclass(frozen=True)
class Container:
    """One accepted container: what the demuxer calls itself, the demuxer to pin, the codecs."""

    name: str  # our name for the row, e.g. "mpegts"
    label: str  # the file kinds a user knows it by
    format_name: str  # what the demuxer reports (AVInputFormat.name), e.g. "matroska,webm"
    demuxer: str  # what ffmpeg's `-f` takes to read it and nothing else
    video: frozenset[str]
    audio: frozenset[str]


CONTAINERS: tuple[Container, ...] = (
    # VP8 is not here: no MP4 or MOV muxer writes it, so no upload of it could be tested.
    Container("mp4", "MP4, MOV, M4V, 3GP", "mov,mp4,m4a,3gp,3g2,mj2", "mov",
              _EDITOR_VIDEO | {"h263"},
              # MP2 in MP4 reads back as mp3 (one MPEG audio object type), so it is not here.
              _PCM | {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac", "amr_nb", "amr_wb",
                      "pcm_alaw", "pcm_mulaw"}),
    Container("mkv", "MKV, WebM", "matroska,webm", "matroska", _EDITOR_VIDEO | {"vp8"},
              _PCM_LE | {"pcm_s16be", "pcm_s24be", "pcm_s32be", "opus", "vorbis", "aac", "mp3",
                         "ac3", "eac3", "flac", "alac", "mp2", "dts"}),
    Container("avi", "AVI", "avi", "avi", _EDITOR_VIDEO | {"vp8", "msmpeg4v2", "msmpeg4v3"},
              _PCM_LE | {"mp3", "mp2", "ac3", "aac", "pcm_alaw", "pcm_mulaw", "adpcm_ima_wav",
                         "adpcm_ms"}),
    Container("mpegts", "MPEG-TS, M2TS, MTS (AVCHD)", "mpegts", "mpegts",
              frozenset({"mpeg2video", "h264", "hevc", "mpeg1video"}),
              frozenset({"mp2", "mp3", "aac", "aac_latm", "ac3", "eac3", "pcm_bluray",
                         "dts", "opus"})),
    Container("mpeg", "MPEG-PS, VOB", "mpeg", "mpeg",
              frozenset({"mpeg1video", "mpeg2video", "h264", "hevc"}),
              frozenset({"mp2", "mp3", "ac3", "pcm_dvd", "dts"})),
    Container("mxf", "MXF (XDCAM, DNxHD, XAVC)", "mxf", "mxf",
              frozenset({"mpeg2video", "dnxhd", "h264", "dvvideo", "prores"}),
              frozenset({"pcm_s16le", "pcm_s24le"})),
    Container("flv", "FLV", "flv", "flv", frozenset({"h264", "flv1"}),
              frozenset({"aac", "mp3", "nellymoser"})),
    Container("asf", "ASF, WMV", "asf", "asf",
              frozenset({"wmv1", "wmv2", "wmv3", "vc1", "msmpeg4v3", "h264"}),
              frozenset({"wmav1", "wmav2", "wmapro", "mp3"})),
    Container("dv", "DV", "dv", "dv", frozenset({"dvvideo"}), frozenset({"pcm_s16le"})),
    Container("gif", "animated GIF", "gif", "gif", frozenset({"gif"}), frozenset()),
)

BY_FORMAT = {c.format_name: c for c in CONTAINERS}
BY_DEMUXER = {c.demuxer: c for c in CONTAINERS}
# PyAV's and ffmpeg's `format_whitelist`: a demuxer may run when one of its names is listed.
FORMAT_WHITELIST = ",".join(c.demuxer for c in CONTAINERS)
ACCEPTED = ", ".join(c.label for c in CONTAINERS)


def container_for(format_name: str) -> Container | None:
    """The row of the demuxer that read the file, or None when it is not one we accept."""
    return BY_FORMAT.get(format_name)
