"""Filters that turn any accepted source into what every screen shows right: progressive SDR.

Used by the ladder, the poster and the storyboard, so a phone's HLG clip, an interlaced
camcorder tape or an editor's transparent overlay looks the same in all three.
"""

from __future__ import annotations

from reelhouse.media.probe import VideoInfo

# Colour times opacity: transparent pixels become black, half-transparent ones half as
# bright, as the clip would look over a black page (the colour under alpha is arbitrary).
FLATTEN = "premultiply=inplace=1"
# Deinterlace only the frames flagged as fields (either field first), one frame per frame.
DEINTERLACE = "bwdif=mode=send_frame:parity=auto:deint=interlaced"
# HDR (PQ or HLG, BT.2020) to SDR BT.709: to linear light, BT.709 primaries, Hable's curve
# (keeps highlights instead of clipping them), then a BT.709 transfer in limited range.
# Without it a 10-bit HDR upload plays washed out and grey on every SDR screen.
TONEMAP = ("zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
           "tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p")


def flatten(video: VideoInfo | None) -> list[str]:
    """Flattening onto black when the source has alpha (first: later filters drop alpha)."""
    return [FLATTEN] if video is not None and video.alpha else []


def deinterlace(video: VideoInfo | None) -> list[str]:
    """The deinterlacer when the source is interlaced (it must see the fields first)."""
    return [DEINTERLACE] if video is not None and video.interlaced else []


def tonemap(video: VideoInfo | None) -> list[str]:
    """The HDR to SDR chain when the source is HDR."""
    return [TONEMAP] if video is not None and video.hdr else []


def to_sdr(video: VideoInfo | None) -> list[str]:
    """All three, in the order they must run (for paths without a frame-rate step between)."""
    return flatten(video) + deinterlace(video) + tonemap(video)
