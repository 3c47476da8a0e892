"""Signed API paths for a video's playlists: the link itself is the permission."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from reelhouse.signing.playlist import resolve_relative
from signing_api.signer.playlists import STORYBOARD
from signing_api.signer.window import SigningWindow

PLAY_PREFIX = "/api/v1/play"
_MAX_VIEWER_DIGITS = 18


@dataclass(frozen=True)
class PlayLink:
    """A genuine, unexpired play link: its video, expiry and the viewer it was issued to
    (None when the video was shared then, so it opens for anyone while it stays shared)."""

    video_id: str
    expires: int
    viewer_id: int | None


class PlayPaths:
    """`PLAY_PREFIX/{id}/{expires}/{token}` paths whose token is an HMAC of id, expiry and
    viewer (`{viewer}.{mac}`, or the bare MAC for a shared video), so the relative URIs
    inside the playlists served below them keep working unsigned."""

    def __init__(self, secret: bytes, window: SigningWindow, max_ttl_s: int) -> None:
        self._key = hmac.new(secret, b"reelhouse signed playback paths v2",
                             hashlib.sha256).digest()
        self._window = window
        self._max_ttl_s = max_ttl_s

    def token(self, video_id: str, expires: int, viewer_id: int | None = None) -> str:
        scope = "" if viewer_id is None else str(viewer_id)
        mac = hmac.new(self._key, f"{video_id}/{expires}/{scope}".encode(), hashlib.sha256)
        tag = base64.urlsafe_b64encode(mac.digest()[:18]).decode()
        return f"{scope}.{tag}" if scope else tag

    def play_path(self, video_id: str, viewer_id: int | None = None) -> tuple[str, int]:
        """The signed path prefix for a video's playlists and when it stops working; pass
        the viewer when the video is private (only they may then use it)."""
        expires = self._window.expires()
        token = self.token(video_id, expires, viewer_id)
        return f"{PLAY_PREFIX}/{video_id}/{expires}/{token}", expires

    def verify(self, video_id: str, expires: int, token: str) -> PlayLink | None:
        """The link if the signed path is genuine and unexpired, else None."""
        now = self._window.clock()
        if not now < expires <= now + self._max_ttl_s:
            return None
        scope, _, _ = token.rpartition(".")
        if scope and not (scope.isascii() and scope.isdigit()
                          and len(scope) <= _MAX_VIEWER_DIGITS):
            return None
        viewer_id = int(scope) if scope else None
        if not hmac.compare_digest(token.encode(),
                                   self.token(video_id, expires, viewer_id).encode()):
            return None
        return PlayLink(video_id, expires, viewer_id)


def canonical_path(path: str) -> str:
    """The one spelling of a path under a play link (`hls/720p/index.m3u8`): `.` segments
    (also percent-encoded) dropped; ValueError for `..`, empty segments and anything but an
    HLS playlist or the storyboard. Variants of one playlist so share its cache entry and
    cost no S3 GET of their own."""
    canonical = resolve_relative(path)
    if canonical != STORYBOARD and not (canonical.startswith("hls/")
                                        and canonical.endswith(".m3u8")):
        raise ValueError(f"not a playlist path: {path[:80]!r}")
    return canonical
